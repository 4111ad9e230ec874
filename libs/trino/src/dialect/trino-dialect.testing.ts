import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { installTrinoDialect } from './trino-functions.js';
import { translateTrinoToDuckDb } from './trino-to-duckdb.translator.js';

/**
 * For the dialect specs: a real in-memory DuckDB with the Trino macros installed, answering Trino
 * SQL the way the local engine will (translate, then run on a fresh connection).
 */
export class TrinoOnDuckDb {
  private constructor(private readonly instance: DuckDBInstance) {}

  static async open(): Promise<TrinoOnDuckDb> {
    const instance = await DuckDBInstance.create(':memory:');
    const setup = await instance.connect();
    try {
      await installTrinoDialect(setup);
    } finally {
      setup.closeSync();
    }
    return new TrinoOnDuckDb(instance);
  }

  /** The first row of a Trino query, as JSON values (BIGINT and DECIMAL come back as strings). */
  async row(trinoSql: string): Promise<unknown[]> {
    return (await this.rows(trinoSql))[0];
  }

  async rows(trinoSql: string): Promise<unknown[][]> {
    const sql = await translateTrinoToDuckDb(trinoSql);
    return this.withConnection(async (connection) => (await connection.runAndReadAll(sql)).getRowsJson() as unknown[][]);
  }

  async withConnection<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const connection = await this.instance.connect();
    try {
      return await work(connection);
    } finally {
      connection.closeSync();
    }
  }

  close(): void {
    this.instance.closeSync();
  }
}
