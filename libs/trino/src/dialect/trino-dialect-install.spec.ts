import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { installTrinoDialect } from './trino-functions.js';
import { translateTrinoToDuckDb } from './trino-to-duckdb.translator.js';

describe('installing the Trino dialect', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trino-dialect-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('works on a database file opened read-only (DUCKDB_PATH), adds no catalog, and holds on every new connection', async () => {
    const file = join(dir, 'data.duckdb');
    const writer = await DuckDBInstance.create(file);
    const setup = await writer.connect();
    await setup.run("CREATE TABLE visits AS SELECT 'https://example.com/a?ref=x' AS url, 7 AS n");
    setup.closeSync();
    writer.closeSync();

    const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
    try {
      const first = await instance.connect();
      await installTrinoDialect(first);
      first.closeSync();
      const connection = await instance.connect();
      const sql = await translateTrinoToDuckDb(
        "SELECT url_extract_host(url), url_extract_parameter(url, 'ref'), n / 2, element_at(sequence(1, n), -1) FROM visits",
      );
      expect((await connection.runAndReadAll(sql)).getRowsJson()).toEqual([['example.com', 'x', 3, '7']]);
      expect((await connection.runAndReadAll('SELECT database_name FROM duckdb_databases() WHERE NOT internal')).getRowsJson()).toEqual([
        ['data'],
      ]);
      connection.closeSync();
    } finally {
      instance.closeSync();
    }
  }, 60_000);
});
