import type { Schedule } from '../dialect/trino-translator.js';
import type { QueryRequest } from '../engine/query-engine.js';
import { EmbeddedDuckDb } from './embedded-duckdb.js';

/**
 * The translator's worker (and its WASM transpiler) costs memory: the engine starts it only for
 * the first query that needs translation, never when the database opens, and ends it when idle
 * and on close.
 */
describe('EmbeddedDuckDb and its translator worker', () => {
  const idle: Array<() => void> = [];
  const schedule: Schedule = (callback) => {
    idle.push(callback);
    return () => undefined;
  };
  const engine = new EmbeddedDuckDb(
    { threads: 1, maxConcurrentQueries: 2, maxQueuedQueries: 4, translator: { idleMs: 60_000, schedule } },
    { catalog: 'memory', schema: 'sales' },
  );
  const run = (sql: string, extra: Partial<QueryRequest> = {}) =>
    engine.execute({ sql, maxRows: 100, maxBytes: 1_000_000, timeoutMs: 60_000, ...extra }, { signal: new AbortController().signal });

  afterAll(() => engine.close());

  it('starts no worker at open nor for a metadata statement, one for the first translated query, and ends it when idle and on close', async () => {
    await engine.start();
    expect(engine.translatorRunning).toBe(false);
    await run('SHOW TABLES', { show: { kind: 'tables' } });
    expect(engine.translatorRunning).toBe(false);
    await expect(run('SELECT 7 / 2')).resolves.toMatchObject({ rows: [[3]] });
    expect(engine.translatorRunning).toBe(true);
    idle.splice(0).forEach((fire) => fire());
    expect(engine.translatorRunning).toBe(false);
    await expect(run('SELECT cardinality(ARRAY[1, 2])')).resolves.toMatchObject({ rows: [[2]] });
    expect(engine.translatorRunning).toBe(true);
    await engine.close();
    expect(engine.translatorRunning).toBe(false);
  }, 60_000);
});
