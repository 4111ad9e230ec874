import { DirectTrinoEngine, type QueryProgress, type QueryRequest } from '#trino';
import { FakeTrinoServer } from './fakes/fake-trino.server.js';

describe('Trino REST client against the fake coordinator (e2e)', () => {
  let fake: FakeTrinoServer;
  let engine: DirectTrinoEngine;

  const run = (
    sql: string,
    extra: Partial<QueryRequest> = {},
    signal = new AbortController().signal,
    onProgress?: (p: QueryProgress) => void,
  ) => engine.execute({ sql, maxRows: 100, maxBytes: 16_777_216, timeoutMs: 10_000, ...extra }, { signal, onProgress });

  const until = async (condition: () => boolean, ms = 5000) => {
    const deadline = Date.now() + ms;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  beforeAll(async () => {
    fake = await FakeTrinoServer.start({ auth: { basic: { user: 'analyst', password: 's3cret' } } });
    engine = new DirectTrinoEngine({
      baseUrl: fake.url,
      user: 'analyst',
      password: 's3cret',
      source: 'xdp-mcp-test',
      catalog: 'memory',
      schema: 'sales',
    });
  });

  afterEach(() => fake.reset());
  afterAll(() => fake.close());

  it('follows nextUri through queued pages, late columns and several data pages to the last row', async () => {
    const progress: QueryProgress[] = [];
    const result = await run('SELECT customer_id, name FROM sales.customers ORDER BY customer_id LIMIT 7', {}, undefined, (p) =>
      progress.push(p),
    );
    expect(result.columns).toEqual([
      { name: 'customer_id', type: 'integer' },
      { name: 'name', type: 'varchar' },
    ]);
    expect(result.rows.map((row) => row[0])).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(result.truncated).toBe(false);
    expect(result.queryId).toMatch(/_fake$/);
    // POST (QUEUED) + queued GET + column-less RUNNING GET + 4 data pages of 2 rows, the last one carrying data and no nextUri.
    expect(fake.requests.filter((r) => r.method === 'GET')).toHaveLength(6);
    expect(progress.map((p) => p.state)).toEqual(['QUEUED', 'QUEUED', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'FINISHED']);
    expect(fake.cancelled).toEqual([]);
    // Keep-alive: seven requests reuse pooled connections instead of opening one each.
    expect(fake.requests).toHaveLength(7);
    expect(new Set(fake.requests.map((r) => r.connection)).size).toBeLessThanOrEqual(2);
  });

  it('sends the protocol headers: user, source, catalog, schema, capabilities, session limit, Basic auth', async () => {
    await run('SELECT 1', { timeoutMs: 42_000 });
    const [post] = fake.statementRequests();
    expect(post.body).toBe('SELECT 1');
    expect(post.headers).toMatchObject({
      'x-trino-user': 'analyst',
      'x-trino-source': 'xdp-mcp-test',
      'x-trino-catalog': 'memory',
      'x-trino-schema': 'sales',
      'x-trino-client-capabilities': 'PARAMETRIC_DATETIME',
      'x-trino-session': 'query_max_execution_time=42s',
      authorization: `Basic ${Buffer.from('analyst:s3cret').toString('base64')}`,
      'content-type': 'text/plain; charset=utf-8',
    });
    for (const get of fake.requests.filter((r) => r.method === 'GET')) expect(get.headers['x-trino-user']).toBe('analyst');
  });

  it('keeps bigints beyond 2^53 exact and decimals as strings', async () => {
    fake.script({
      match: /big/,
      behaviour: {
        kind: 'rows',
        columns: [
          { name: 'big', type: 'bigint' },
          { name: 'small', type: 'bigint' },
          { name: 'price', type: 'decimal(12,2)' },
        ],
        rows: [
          [9007199254740993n, 42, '1234.50'],
          [-9223372036854775808n, 0, '0.00'],
        ],
      },
    });
    const result = await run('SELECT big');
    expect(result.rows).toEqual([
      ['9007199254740993', 42, '1234.50'],
      ['-9223372036854775808', 0, '0.00'],
    ]);
  });

  it('reads bigints produced by real SQL without rounding', async () => {
    const result = await run('SELECT CAST(9007199254740993 AS BIGINT) AS big');
    expect(result.rows).toEqual([['9007199254740993']]);
  });

  it('surfaces a failure delivered as HTTP 200 with error, on a later page', async () => {
    fake.script({
      match: /broken/,
      behaviour: {
        kind: 'fail',
        afterPages: 2,
        error: {
          message: "line 1:8: Column 'x' cannot be resolved",
          errorName: 'COLUMN_NOT_FOUND',
          errorType: 'USER_ERROR',
          errorCode: 47,
        },
      },
    });
    await expect(run('SELECT broken')).rejects.toMatchObject({
      kind: 'not_found',
      message: expect.stringContaining("COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved"),
    });
  });

  it('surfaces a failure delivered on the POST reply itself', async () => {
    fake.script({
      match: /syntax/,
      behaviour: {
        kind: 'fail',
        afterPages: 0,
        error: { message: 'mismatched input', errorName: 'SYNTAX_ERROR', errorType: 'USER_ERROR', errorCode: 1 },
      },
    });
    await expect(run('SELECT syntax')).rejects.toMatchObject({
      kind: 'invalid_arguments',
      message: expect.stringContaining('SYNTAX_ERROR'),
    });
    expect(fake.requests.filter((r) => r.method === 'GET')).toHaveLength(0);
  });

  it('retries a GET after 503 and after 429 honouring Retry-After, then completes', async () => {
    fake.failNextGets({ status: 503 }, { status: 429, retryAfter: '1' }, { status: 502 });
    const started = Date.now();
    const result = await run('SELECT customer_id FROM sales.customers ORDER BY 1 LIMIT 3');
    expect(result.rows).toEqual([[1], [2], [3]]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const statuses = fake.requests.filter((r) => r.method === 'GET').length;
    expect(statuses).toBeGreaterThanOrEqual(3 + 4);
  });

  it('retries a GET whose connection was reset mid-body, and reports a malformed page precisely', async () => {
    fake.failNextGets({ status: 200, resetMidBody: true });
    await expect(run('SELECT 1 AS one')).resolves.toMatchObject({ rows: [[1]] });
    fake.failNextGets({ status: 200, body: '{"not": json' });
    await expect(run('SELECT 1 AS one')).rejects.toMatchObject({
      kind: 'upstream',
      message: 'Trino sent a body that is not JSON on GET nextUri',
    });
    await until(() => fake.cancelled.length === 1);
  });

  it('never retries the POST', async () => {
    const broken = new DirectTrinoEngine({ baseUrl: fake.url, user: 'analyst', password: 'wrong', source: 'x' });
    await expect(
      broken.execute({ sql: 'SELECT 1', maxRows: 1, maxBytes: 16_777_216, timeoutMs: 5000 }, { signal: new AbortController().signal }),
    ).rejects.toMatchObject({
      kind: 'upstream',
      message: expect.stringContaining('rejected the credentials'),
    });
    expect(fake.statementRequests()).toHaveLength(1);
  });

  it('stops reading at the row cap and cancels the query with DELETE nextUri', async () => {
    fake.script({
      match: /million/,
      pageSize: 1000,
      behaviour: { kind: 'generated', columns: [{ name: 'n', type: 'bigint' }], rowCount: 1_000_000, row: (i) => [i] },
    });
    const result = await run('SELECT million', { maxRows: 2500 });
    expect(result.rows).toHaveLength(2500);
    expect(result.truncated).toBe(true);
    expect(result.rows.at(-1)).toEqual([2499]);
    await until(() => fake.cancelled.length === 1);
    expect(fake.cancelled).toEqual([result.queryId]);
    // Three data pages were read, not a thousand.
    expect(fake.requests.filter((r) => r.method === 'GET').length).toBeLessThanOrEqual(6);
  });

  it('cancels upstream and frees the call when the caller aborts', async () => {
    fake.script({ match: /forever/, pageDelayMs: 50, behaviour: { kind: 'hang' } });
    const controller = new AbortController();
    const pending = run('SELECT forever', {}, controller.signal);
    await until(() => fake.requests.filter((r) => r.method === 'GET').length >= 2);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ kind: 'cancelled' });
    await until(() => fake.cancelled.length === 1);
    expect(fake.requests.find((r) => r.method === 'DELETE')?.headers['x-trino-user']).toBe('analyst');
    expect(fake.running).toBe(0);
  });

  it('cancels upstream and answers with a timeout error when the query runs too long', async () => {
    fake.script({ match: /forever/, pageDelayMs: 50, behaviour: { kind: 'hang' } });
    const started = Date.now();
    await expect(run('SELECT forever', { timeoutMs: 1000 })).rejects.toMatchObject({
      kind: 'timeout',
      message: expect.stringContaining('1000 ms'),
    });
    expect(Date.now() - started).toBeLessThan(15_000);
    await until(() => fake.cancelled.length === 1);
  });

  it('reports the coordinator healthy through /v1/info, and an unreachable one down', async () => {
    await expect(engine.checkHealth()).resolves.toMatchObject({ status: 'up', message: 'Trino fake-475' });
    const nowhere = new DirectTrinoEngine({ baseUrl: 'http://127.0.0.1:1', user: 'u', source: 's' });
    await expect(nowhere.checkHealth()).resolves.toMatchObject({ status: 'down' });
    await expect(
      nowhere.execute({ sql: 'SELECT 1', maxRows: 1, maxBytes: 16_777_216, timeoutMs: 5000 }, { signal: new AbortController().signal }),
    ).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringContaining('unreachable'),
    });
  });
});
