import { TrinoOnDuckDb } from './trino-dialect.testing.js';

// Expected values are Trino's, as its documentation states them (mathematical operators, VALUES).
let db: TrinoOnDuckDb;
beforeAll(async () => (db = await TrinoOnDuckDb.open()), 60_000);
afterAll(() => db.close());

describe('Trino arithmetic and row constructors on DuckDB', () => {
  it('divides integers as integers, truncating toward zero', async () => {
    expect(await db.row('SELECT 7 / 2, -7 / 2, 7 % 3, -7 % 3')).toEqual([3, -3, 1, -1]);
  });

  it('keeps decimal and double division exact', async () => {
    expect(await db.row('SELECT 7.0 / 2, CAST(7 AS double) / 2')).toEqual([3.5, 3.5]);
  });

  it('answers bare VALUES row lists, one row per value', async () => {
    expect(await db.rows('VALUES 1, 2, 3')).toEqual([[1], [2], [3]]);
    expect(await db.rows("SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS t(id, name) ORDER BY id")).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
  });

  it('answers TABLE name as SELECT * FROM name', async () => {
    await db.withConnection((connection) => connection.run('CREATE TABLE numbers AS SELECT 1 AS n'));
    expect(await db.rows('TABLE numbers')).toEqual([[1]]);
  });

  it('runs try, if and conditional expressions', async () => {
    expect(await db.row("SELECT try(1 / 0), if(1 > 0, 'y', 'n'), coalesce(NULL, 2), nullif(1, 1)")).toEqual([null, 'y', 2, null]);
  });
});
