import { DuckDBInstance } from '@duckdb/node-api';
import { trinoTypeName, trinoValue } from './duckdb-values.js';

/** One query's first row as the tools show it: [Trino type name, Trino JSON value] per column. */
async function shown(sql: string): Promise<Array<[string, unknown]>> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    const types = reader.columnTypes();
    return reader.getRows()[0].map((value, i) => [trinoTypeName(types[i]), trinoValue(value, types[i])]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('DuckDB values as Trino shows them', () => {
  it("sum over integers is bigint 10, as on Trino, not DuckDB's HUGEINT as text", async () => {
    expect(await shown('SELECT sum(x), sum(CAST(x AS BIGINT)) FROM (VALUES (4), (6)) t(x)')).toEqual([
      ['bigint', 10],
      ['bigint', 10],
    ]);
  });

  it('a sum past 2^53 stays exact, as text, like any bigint that size', async () => {
    expect(await shown('SELECT sum(x) FROM (VALUES (9007199254740993::BIGINT), (1::BIGINT)) t(x)')).toEqual([
      ['bigint', '9007199254740994'],
    ]);
  });
});
