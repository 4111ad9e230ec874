import { type Schedule, TrinoTranslator } from './trino-translator.js';

/** An idle timer the test fires itself: it records what is scheduled and whether it was cancelled. */
function manualSchedule(): { schedule: Schedule; pending: Array<{ fire: () => void; cancelled: boolean; ms: number }> } {
  const pending: Array<{ fire: () => void; cancelled: boolean; ms: number }> = [];
  const schedule: Schedule = (callback, ms) => {
    const entry = { fire: callback, cancelled: false, ms };
    pending.push(entry);
    return () => {
      entry.cancelled = true;
    };
  };
  return { schedule, pending };
}

/** Hundreds of milliseconds of WASM work even when warm: far beyond a 20 ms budget. */
const HUGE_STATEMENT =
  'SELECT ' +
  Array.from({ length: 1500 }, (_, i) => `regexp_like(c${i}, 'x') AND json_extract_scalar(b, '$.c') = 'd'`).join(' OR ') +
  ' FROM t';

describe('TrinoTranslator (the worker-thread translator of the local engine)', () => {
  const translator = new TrinoTranslator();
  afterAll(() => translator.close());

  it('translates Trino SQL in its worker and refuses what cannot be translated with the reason', async () => {
    await translator.warmUp();
    await expect(translator.translate('SELECT approx_distinct(x) FROM t')).resolves.toBe('SELECT (count(DISTINCT (x))) FROM t');
    await expect(translator.translate("SELECT date_format(ts, '%D') FROM t")).rejects.toMatchObject({
      kind: 'invalid_arguments',
      message: 'date_format specifier "%D" is not supported on the local engine',
    });
  }, 60_000);

  it('answers a repeated statement from its cache, even after the worker is gone', async () => {
    const sql = "SELECT regexp_like(name, '^a') FROM customers";
    const first = await translator.translate(sql);
    const cachedOnly = new TrinoTranslator();
    await cachedOnly.close();
    await expect(cachedOnly.translate(sql)).rejects.toThrow('shut down');
    await translator.close();
    await expect(translator.translate(sql)).resolves.toBe(first);
    await expect(translator.translate('SELECT 2')).rejects.toThrow('shut down');
  }, 60_000);

  it('starts no worker before the first statement and terminates it after the idle period', async () => {
    const { schedule, pending } = manualSchedule();
    const lazy = new TrinoTranslator({ idleMs: 1234, schedule });
    try {
      expect(lazy.running).toBe(false);
      await expect(lazy.translate('SELECT cardinality(ARRAY[1])')).resolves.toContain('SELECT');
      expect(lazy.running).toBe(true);
      const idle = pending.filter((entry) => !entry.cancelled);
      expect(idle.map((entry) => entry.ms)).toEqual([1234]);
      idle[0].fire();
      expect(lazy.running).toBe(false);
      // The next statement brings a fresh worker up.
      await expect(lazy.translate('SELECT element_at(ARRAY[1], 1)')).resolves.toContain('SELECT');
      expect(lazy.running).toBe(true);
    } finally {
      await lazy.close();
    }
    expect(lazy.running).toBe(false);
    // The second worker's idle timer was cancelled by close(), not left to fire.
    expect(pending.slice(1).every((entry) => entry.cancelled)).toBe(true);
  }, 60_000);

  it('refuses a statement that overruns the budget and replaces the worker', async () => {
    const strict = new TrinoTranslator({ budgetMs: 20 });
    try {
      await strict.warmUp();
      await expect(strict.translate(HUGE_STATEMENT)).rejects.toMatchObject({
        kind: 'too_large',
        message: expect.stringContaining('took longer than the 20 ms translation limit; it was refused'),
      });
      // A fresh worker is already starting; it comes up ready (loaded and warmed) to take the next statement.
      await strict.warmUp();
    } finally {
      await strict.close();
    }
  }, 60_000);
});
