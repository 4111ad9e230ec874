import { ToolError } from '#tool-contract';
import { QueryDeadline } from '../engine/query-deadline.js';
import { DuckDbAdmission } from './duckdb-admission.js';

const HOUR = 3_600_000;

describe('DuckDbAdmission', () => {
  const deadlines: QueryDeadline[] = [];
  const deadline = (signal = new AbortController().signal, timeoutMs = HOUR) => {
    const made = new QueryDeadline(signal, timeoutMs);
    deadlines.push(made);
    return made;
  };
  afterEach(() => deadlines.splice(0).forEach((d) => d.dispose()));

  it('admits up to the limit, queues the next ones in order and admits them as slots free up', async () => {
    const admission = new DuckDbAdmission({ maxConcurrent: 2, maxQueued: 2 });
    const first = await admission.acquire(deadline());
    await admission.acquire(deadline());
    const order: string[] = [];
    const third = admission.acquire(deadline()).then((release) => (order.push('third'), release));
    const fourth = admission.acquire(deadline()).then((release) => (order.push('fourth'), release));
    expect(admission).toMatchObject({ active: 2, queued: 2 });
    first();
    first(); // releasing twice frees one slot only
    (await third)();
    await fourth;
    expect(order).toEqual(['third', 'fourth']);
    expect(admission).toMatchObject({ active: 2, queued: 0 });
  });

  it('answers busy at once when the queue is full', async () => {
    const admission = new DuckDbAdmission({ maxConcurrent: 1, maxQueued: 1 });
    await admission.acquire(deadline());
    void admission.acquire(deadline()).catch(() => undefined);
    await expect(admission.acquire(deadline())).rejects.toMatchObject({
      kind: 'busy',
      message: expect.stringContaining('1 queries running and 1 waiting'),
    });
  });

  it('answers busy when the query time limit runs out while waiting, and frees the queue place', async () => {
    const admission = new DuckDbAdmission({ maxConcurrent: 1, maxQueued: 1 });
    await admission.acquire(deadline());
    await expect(admission.acquire(deadline(undefined, 1))).rejects.toMatchObject({
      kind: 'busy',
      message: expect.stringContaining('whole query time limit'),
    });
    expect(admission.queued).toBe(0);
  });

  it('reports a caller that cancels while waiting as cancelled', async () => {
    const admission = new DuckDbAdmission({ maxConcurrent: 1, maxQueued: 4 });
    await admission.acquire(deadline());
    const caller = new AbortController();
    const waiting = admission.acquire(deadline(caller.signal));
    caller.abort();
    await expect(waiting).rejects.toMatchObject({ kind: 'cancelled' });
    expect(admission.queued).toBe(0);
  });

  it('refuses waiting and new queries once closed', async () => {
    const admission = new DuckDbAdmission({ maxConcurrent: 1, maxQueued: 4 });
    await admission.acquire(deadline());
    const waiting = admission.acquire(deadline());
    admission.close(new ToolError('unavailable', 'shutting down'));
    await expect(waiting).rejects.toMatchObject({ kind: 'unavailable' });
    await expect(admission.acquire(deadline())).rejects.toMatchObject({ kind: 'unavailable' });
  });
});
