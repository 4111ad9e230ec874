import { DuckDbEngine, SqlGuard } from '#trino';
import { FakeXdpServer } from './fakes/fake-xdp.server.js';
import { getJson, postJson, startTestServer, type TestServer } from './support/app-harness.js';
import { duckDbQueryAnswer } from './support/duckdb-answers.js';

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Trino tools over XDP dataplanes (POST /query/execute) (e2e)', () => {
  const duckdb = new DuckDbEngine({});
  const parser = new SqlGuard({ readOnly: false, allowedCatalogs: [] });
  let xdp: FakeXdpServer;
  let server: TestServer;

  const answer = duckDbQueryAnswer(duckdb, parser);

  beforeAll(async () => {
    // The fake answers within the app's 2 s query timeout only with its parse worker already started.
    await parser.warmUp();
    // ...and with its engine's translation worker started (it starts on the first translated query).
    await answer({ engine: 'TRINO', dataplane: '168', query: 'SELECT 1' });
    xdp = await FakeXdpServer.start({ onQuery: answer });
    server = await startTestServer({ env: { ...xdp.env(), TRINO_QUERY_TIMEOUT_MS: '2000' }, imports: [] });
  });

  afterEach(() => xdp.reset());

  afterAll(async () => {
    await server.close();
    await xdp.close();
    await duckdb.close();
    await parser.close();
  });

  it('requires a dataplane when XDP lists several, naming them', async () => {
    const { status, body } = await postJson(`${server.url}/api/trino/query`, { query: 'SELECT 1' });
    expect(status).toBe(400);
    expect(body.error.message).toBe('"dataplane" is required: available dataplanes: "168" (analytics-dp), "169" (staging-dp)');
  });

  it.each(['168', 'analytics-dp'])('runs a query on dataplane %s with engine TRINO and the dataplane id', async (dataplane) => {
    const { status, body } = await postJson(`${server.url}/api/trino/query`, {
      dataplane,
      query: 'SELECT count(*) AS n FROM memory.sales.orders',
    });
    expect(status).toBe(200);
    expect(body.structuredContent).toMatchObject({
      dataplane: '168',
      columns: [{ name: 'n', type: 'bigint' }],
      rows: [[5000]],
      truncated: false,
    });
    expect(xdp.requests('/query/execute').at(-1)?.body).toEqual({
      engine: 'TRINO',
      dataplane: '168',
      query: 'SELECT count(*) AS n FROM memory.sales.orders',
    });
  });

  it('applies the row cap to the answer and reports truncation', async () => {
    const { body } = await postJson(`${server.url}/api/trino/query`, {
      dataplane: '168',
      query: 'SELECT * FROM memory.sales.products',
      maxRows: 4,
    });
    expect(body.structuredContent).toMatchObject({ rowCount: 4, truncated: true });
  });

  it('names the dataplanes for an unknown one', async () => {
    const { status, body } = await postJson(`${server.url}/api/trino/query`, { dataplane: '999', query: 'SELECT 1' });
    expect(status).toBe(404);
    expect(body.error.message).toContain('Unknown dataplane "999": available dataplanes: "168" (analytics-dp)');
  });

  it.each(['top', 'result'] as const)('reports a failed query from the %s-level error', async (where) => {
    xdp.enqueue(
      {
        kind: 'query-error',
        where,
        error: {
          message: "line 1:8: Column 'x' cannot be resolved",
          errorCode: 47,
          errorName: 'COLUMN_NOT_FOUND',
          errorType: 'USER_ERROR',
        },
      },
      { endpoint: '/query/execute' },
    );
    const { status, body } = await postJson(`${server.url}/api/trino/query`, {
      dataplane: '168',
      query: 'SELECT x FROM memory.sales.orders',
    });
    expect(status).toBeGreaterThanOrEqual(400);
    expect(body.isError).toBe(true);
    expect(body.error.message).toContain("Column 'x' cannot be resolved");
  });

  it('aborts the XDP request when the query times out', async () => {
    xdp.enqueue({ kind: 'hang' }, { endpoint: '/query/execute' });
    const started = Date.now();
    const { status } = await postJson(`${server.url}/api/trino/query`, { dataplane: '168', query: 'SELECT 1' });
    expect(status).toBe(504);
    expect(Date.now() - started).toBeLessThan(15_000);
    await until(() => xdp.requests('/query/execute').at(-1)?.outcome === 'aborted');
  });

  it('aborts the XDP request when the REST caller disconnects', async () => {
    xdp.enqueue({ kind: 'hang' }, { endpoint: '/query/execute' });
    const controller = new AbortController();
    const pending = fetch(`${server.url}/api/trino/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dataplane: '168', query: 'SELECT 1' }),
      signal: controller.signal,
    }).catch(() => undefined);
    await until(() => xdp.requests('/query/execute').length === 1);
    controller.abort();
    await pending;
    await until(() => xdp.requests('/query/execute')[0].outcome === 'aborted');
  });

  it('refuses a session catalog, which XDP cannot carry', async () => {
    const { status, body } = await postJson(`${server.url}/api/trino/query`, { dataplane: '168', query: 'SELECT 1', catalog: 'memory' });
    expect(status).toBe(400);
    expect(body.error.message).toContain('qualify table names');
  });

  it('lists catalogs through SHOW CATALOGS on the dataplane, and adds no background calls to XDP', async () => {
    const ready = await getJson(`${server.url}/ready`);
    expect(Object.keys(ready.body.dependencies).filter((name) => name.startsWith('trino'))).toEqual([]);
    const catalogs = await getJson(`${server.url}/api/trino/catalogs?dataplane=168`);
    expect(catalogs.body.structuredContent.rows).toEqual([['memory']]);
    expect(xdp.requests('/query/execute').at(-1)?.body).toMatchObject({ query: 'SHOW CATALOGS' });
  });
});
