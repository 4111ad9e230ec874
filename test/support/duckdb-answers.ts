import type { DuckDbEngine, SqlGuard } from '#trino';
import type { FakeQueryRequest } from '../fakes/fake-xdp.server.js';

/**
 * An answer for the fake XDP's `POST /query/execute` that runs the SQL for real against the sample
 * data (SHOW statements answered from DuckDB's catalog), the way an XDP dataplane runs it on Trino.
 */
export function duckDbQueryAnswer(duckdb: DuckDbEngine, parser: SqlGuard) {
  return async ({ query }: FakeQueryRequest) => {
    try {
      const { show } = await parser.check(query);
      const result = await duckdb.execute(
        { sql: query, show, maxRows: 10_000, maxBytes: 16_777_216, timeoutMs: 10_000 },
        { signal: new AbortController().signal },
      );
      return { columns: result.columns, rows: result.rows };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  };
}
