import type { QueryRequest, QueryResult } from '../engine/query-engine.js';
import { DuckDbEngine, type DuckDbEngineOptions } from './duckdb.engine.js';

/** CPU-bound for hours unless interrupted. */
const ENDLESS_SQL = 'SELECT count(*) FROM range(1000000000000) a WHERE a.range % 7 = 3';
const MB = 1_048_576;

interface Started {
  /** Settles with the query; never rejects, so a test can hold it without an unhandled rejection. */
  outcome: Promise<QueryResult | Error>;
  /** Resolves once DuckDB was handed the statement (the engine reports RUNNING). */
  running: Promise<void>;
  cancel(): void;
}

function start(engine: DuckDbEngine, sql: string, extra: Partial<QueryRequest> = {}): Started {
  const controller = new AbortController();
  let markRunning!: () => void;
  const running = new Promise<void>((resolve) => (markRunning = resolve));
  const outcome = engine
    .execute(
      { sql, maxRows: 10_000, maxBytes: MB, timeoutMs: 3_600_000, ...extra },
      { signal: controller.signal, onProgress: () => markRunning() },
    )
    .catch((error: Error) => error);
  return { outcome, running, cancel: () => controller.abort() };
}

/** Waits for a condition that an event in the engine makes true, checking once per event-loop turn. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setImmediate(resolve));
}

async function withEngine(options: DuckDbEngineOptions, test: (engine: DuckDbEngine) => Promise<void>): Promise<void> {
  const engine = new DuckDbEngine(options);
  try {
    await engine.start();
    await test(engine);
  } finally {
    await engine.close();
  }
}

describe('DuckDbEngine under load', () => {
  describe('result bytes (maxBytes)', () => {
    it('stops at the byte budget, counting the JSON the caller receives', async () => {
      await withEngine({}, async (engine) => {
        // Each row is `["abc"]` (7 bytes) plus a comma between rows, inside `[` `]`: six rows are 49 bytes, a seventh would be 57.
        const result = await engine.execute(
          { sql: "SELECT 'abc' AS s FROM range(100)", maxRows: 100, maxBytes: 50, timeoutMs: 30_000 },
          { signal: new AbortController().signal },
        );
        expect(result).toMatchObject({ truncated: true, truncatedBy: 'bytes' });
        expect(result.rows).toHaveLength(6);
        expect(Buffer.byteLength(JSON.stringify(result.rows))).toBe(49);
      });
    });

    it('counts UTF-8 bytes, not characters', async () => {
      await withEngine({}, async (engine) => {
        // `["é"]` is 6 bytes in UTF-8 (5 characters).
        const result = await engine.execute(
          { sql: "SELECT 'é' FROM range(10)", maxRows: 100, maxBytes: 2 + 6 + 7, timeoutMs: 30_000 },
          { signal: new AbortController().signal },
        );
        expect(result.rows).toHaveLength(2);
        expect(result.truncatedBy).toBe('bytes');
      });
    });

    it('reports the row cap as the reason when rows run out first, and no reason when nothing was cut', async () => {
      await withEngine({}, async (engine) => {
        const signal = new AbortController().signal;
        await expect(
          engine.execute({ sql: 'SELECT * FROM range(100)', maxRows: 5, maxBytes: MB, timeoutMs: 30_000 }, { signal }),
        ).resolves.toMatchObject({ truncated: true, truncatedBy: 'rows' });
        const whole = await engine.execute({ sql: 'SELECT * FROM range(5)', maxRows: 5, maxBytes: MB, timeoutMs: 30_000 }, { signal });
        expect(whole.truncated).toBe(false);
        expect(whole.truncatedBy).toBeUndefined();
      });
    });

    it.each([60, 4000])('keeps %i rows of 1 MB bounded: a few rows in the budget, the query stopped', async (count) => {
      await withEngine({}, async (engine) => {
        const result = await engine.execute(
          // maxRows 100 is the tools' default: DuckDB computes at most 101 of these rows, not a 2,048-row vector (2 GB).
          { sql: `SELECT rpad('x', 1000000, 'x') AS wide FROM range(${count})`, maxRows: 100, maxBytes: 4 * MB, timeoutMs: 60_000 },
          { signal: new AbortController().signal },
        );
        expect(result).toMatchObject({ truncated: true, truncatedBy: 'bytes' });
        expect(result.rows).toHaveLength(4);
        await engine.whenIdle();
        await expect(engine.workload()).resolves.toEqual({ active: 0, queued: 0 });
      });
    });
  });

  describe("bounding DuckDB's own work to the row cap", () => {
    it("keeps the statement's column names, duplicates included, and its trailing comment harmless", async () => {
      await withEngine({}, async (engine) => {
        const result = await engine.execute(
          { sql: 'SELECT 1 AS a, 2 AS a -- trailing', maxRows: 10, maxBytes: MB, timeoutMs: 30_000 },
          { signal: new AbortController().signal },
        );
        expect(result.columns.map((column) => column.name)).toEqual(['a', 'a']);
        expect(result.rows).toEqual([[1, 2]]);
      });
    });

    it("reports errors against the caller's own text (line 1), not the bounding wrapper", async () => {
      await withEngine({}, async (engine) => {
        const pending = engine.execute(
          { sql: 'SELECT nope FROM sales.orders', maxRows: 10, maxBytes: MB, timeoutMs: 30_000 },
          { signal: new AbortController().signal },
        );
        await expect(pending).rejects.toMatchObject({ message: expect.stringContaining('LINE 1: SELECT nope') });
      });
    });

    it('keeps an ORDER BY of the statement in the rows it returns', async () => {
      await withEngine({}, async (engine) => {
        const result = await engine.execute(
          { sql: 'SELECT order_id FROM sales.orders ORDER BY order_id DESC', maxRows: 3, maxBytes: MB, timeoutMs: 30_000 },
          { signal: new AbortController().signal },
        );
        expect(result).toMatchObject({ rows: [[5000], [4999], [4998]], truncated: true, truncatedBy: 'rows' });
      });
    });
  });

  describe('stopping work', () => {
    it('interrupts even queries still queued for a libuv thread when their time runs out (the interrupt is repeated until DuckDB lets go)', async () => {
      // Six endless queries at once: more than libuv's four worker threads, so some time out before DuckDB starts them.
      await withEngine({ maxConcurrentQueries: 6, threads: 1 }, async (engine) => {
        const queries = Array.from({ length: 6 }, () => start(engine, ENDLESS_SQL, { timeoutMs: 300 }));
        for (const query of queries) await expect(query.outcome).resolves.toMatchObject({ kind: 'timeout' });
        // Resolves only when every native call returned: an interrupt that was lost would hang here.
        await engine.whenIdle();
        await expect(engine.workload()).resolves.toEqual({ active: 0, queued: 0 });
      });
    });

    it('interrupts a cancelled query and frees its slot for the next one', async () => {
      await withEngine({ maxConcurrentQueries: 1, maxQueuedQueries: 1 }, async (engine) => {
        const endless = start(engine, ENDLESS_SQL);
        await endless.running;
        const next = start(engine, 'SELECT 42 AS answer');
        await until(async () => (await engine.workload()).queued === 1);
        endless.cancel();
        await expect(endless.outcome).resolves.toMatchObject({ kind: 'cancelled' });
        await expect(next.outcome).resolves.toMatchObject({ rows: [[42]] });
      });
    });

    it('closes with queries running: they are interrupted and fail as unavailable, queued ones too', async () => {
      const engine = new DuckDbEngine({ maxConcurrentQueries: 2, maxQueuedQueries: 4, threads: 1 });
      await engine.start();
      const running = [start(engine, ENDLESS_SQL), start(engine, ENDLESS_SQL)];
      await Promise.all(running.map((query) => query.running));
      const queued = start(engine, 'SELECT 1');
      await engine.close();
      for (const query of [...running, queued])
        await expect(query.outcome).resolves.toMatchObject({ kind: 'unavailable', message: expect.stringContaining('shutting down') });
      await engine.whenIdle();
      await expect(start(engine, 'SELECT 1').outcome).resolves.toMatchObject({ kind: 'unavailable' });
    });
  });

  describe('fairness', () => {
    it('answers a trivial query while endless ones hold fewer slots than the limit', async () => {
      await withEngine({ maxConcurrentQueries: 3, threads: 1 }, async (engine) => {
        const endless = [start(engine, ENDLESS_SQL), start(engine, ENDLESS_SQL)];
        await Promise.all(endless.map((query) => query.running));
        let endlessSettled = false;
        void Promise.race(endless.map((query) => query.outcome)).then(() => (endlessSettled = true));
        await expect(start(engine, 'SELECT count(*) FROM sales.orders').outcome).resolves.toMatchObject({ rows: [[5000]] });
        expect(endlessSettled).toBe(false);
        endless.forEach((query) => query.cancel());
        await engine.whenIdle();
      });
    });

    it('answers busy, not silence, when every slot and queue place is taken', async () => {
      await withEngine({ maxConcurrentQueries: 2, maxQueuedQueries: 1, threads: 1 }, async (engine) => {
        const endless = [start(engine, ENDLESS_SQL), start(engine, ENDLESS_SQL)];
        await Promise.all(endless.map((query) => query.running));
        const waiting = start(engine, ENDLESS_SQL);
        await expect(start(engine, 'SELECT 1').outcome).resolves.toMatchObject({
          kind: 'busy',
          message: expect.stringContaining('2 queries running and 1 waiting'),
        });
        // Waiting longer than its own time limit is busy too (not a timeout of a query that never ran).
        waiting.cancel();
        await expect(waiting.outcome).resolves.toMatchObject({ kind: 'cancelled' });
        await expect(start(engine, 'SELECT 1', { timeoutMs: 50 }).outcome).resolves.toMatchObject({
          kind: 'busy',
          message: expect.stringContaining('time limit'),
        });
        endless.forEach((query) => query.cancel());
        await engine.whenIdle();
      });
    });
  });
});
