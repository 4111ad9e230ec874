import { createServer } from 'node:net';
import { type Env, loadAppConfig } from '#config';
import { MetricsService } from '#observability';
import { FakeXdpServer } from '../../../../test/fakes/fake-xdp.server.js';
import { ManualClock } from '../../../../test/support/manual-clock.js';
import { XdpClient } from './xdp.client.js';
import { XdpQueryError, XdpRequestError } from './xdp.errors.js';
import { XdpHttpPool } from './xdp-http.pool.js';

const PAGE = { page: 0, size: 20, sortBy: 'updatedAt:asc' };

/** Pools of the clients a test made, destroyed after it as Nest would at shutdown. */
const pools: XdpHttpPool[] = [];

function clientFor(env: Env, breakerClock?: ManualClock): XdpClient {
  const config = loadAppConfig({ XDP_RETRY_BASE_DELAY_MS: '1', ...env });
  const pool = new XdpHttpPool(config);
  pools.push(pool);
  return new XdpClient(pool, config, new MetricsService(), breakerClock?.now);
}

/** Resolves with the error a promise rejects with; fails the test if it resolves. */
async function failure(promise: Promise<unknown>): Promise<XdpRequestError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof XdpRequestError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

async function closedPortUrl(): Promise<string> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/xdp-cp-service/api`;
}

describe('XdpClient against the fake XDP server', () => {
  let xdp: FakeXdpServer;
  let client: XdpClient;

  beforeAll(async () => {
    xdp = await FakeXdpServer.start();
  });

  beforeEach(() => {
    xdp.reset();
    client = clientFor(xdp.env());
  });

  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.onModuleDestroy()));
  });

  afterAll(() => xdp.close());

  describe('requests and typed answers', () => {
    it('sends the exact key headers and the snake_case sort parameter, and types the page', async () => {
      const page = await client.listDatastores({ page: 1, size: 5, sortBy: 'name:desc' });
      expect(page.meta).toEqual({ page: 1, size: 5, count: 57 });
      expect(page.dataStores.map((store) => store.name)).toEqual(['store-052', 'store-051', 'store-050', 'store-049', 'store-048']);
      const [request] = xdp.requests('/datastore');
      expect(request!.query).toEqual({ page: '1', size: '5', sort_by: 'name:desc' });
      expect(request!.rawHeaderNames).toEqual(expect.arrayContaining(['accessKey', 'secretKey']));
    });

    it('lists dataplanes from the bare (unenveloped) payload', async () => {
      const list = await client.listDataplanes();
      expect(list.dataplanes.map((dataplane) => dataplane.id)).toEqual([168, 169]);
      expect(list.meta?.count).toBe(2);
    });

    it('posts TRINO queries and returns the Trino-style result', async () => {
      const execution = await client.executeQuery({ dataplane: '168', query: 'SELECT 1' });
      expect(xdp.requests('/query/execute')[0]!.body).toEqual({ engine: 'TRINO', dataplane: '168', query: 'SELECT 1' });
      expect(execution.result?.columns).toEqual([{ name: 'query', type: 'varchar', typeSignature: { rawType: 'varchar', arguments: [] } }]);
      expect(execution.result?.data).toEqual([['SELECT 1']]);
    });

    it('keeps integers beyond 2^53 in query results exact, as decimal strings', async () => {
      xdp.enqueue({
        kind: 'raw',
        body: '{"id":1,"queryId":"q1","error":null,"status":"SUCCESS","result":{"columns":[{"name":"n","type":"bigint"}],"data":[[9007199254740993,42,1.5]]}}',
      });
      const execution = await client.executeQuery({ dataplane: '168', query: 'SELECT n' });
      expect(execution.result?.data).toEqual([['9007199254740993', 42, 1.5]]);
    });

    it('accepts a bare host as XDP_BASE_URL by appending the API root', async () => {
      const bare = clientFor({ ...xdp.env(), XDP_BASE_URL: xdp.origin });
      await expect(bare.listDataplanes()).resolves.toHaveProperty('dataplanes');
    });

    it('reuses keep-alive connections for sequential calls', async () => {
      for (let call = 0; call < 20; call++) await client.listDataplanes();
      // undici's pool may hand the next request a second socket when it is sent before the first
      // socket has reported itself free (that happens a microtask after the body ends); never more.
      expect(new Set(xdp.requests().map((request) => request.connection)).size).toBeLessThanOrEqual(2);
    });

    it('refuses to run without configuration, naming the variables', async () => {
      const unconfigured = clientFor({});
      await expect(unconfigured.listDataplanes()).rejects.toMatchObject({
        kind: 'unavailable',
        message: expect.stringContaining('XDP_BASE_URL'),
      });
    });
  });

  describe('failures XDP reports', () => {
    it('surfaces a success:false envelope sent with HTTP 200, keeping errorCode and status', async () => {
      xdp.enqueue({
        kind: 'failure-envelope',
        errorCode: 4031,
        message: 'Tenant suspended',
        detailedMessage: 'Contact your administrator',
      });
      const error = await failure(client.listDatastores(PAGE));
      expect(error).toMatchObject({ kind: 'upstream', reason: 'failure_envelope', errorCode: 4031, details: { upstreamStatus: 200 } });
      expect(error.message).toBe(
        'XDP reported a failure for GET /datastore (errorCode 4031): Tenant suspended — Contact your administrator',
      );
      expect(xdp.requests()).toHaveLength(1);
    });

    it('reports rejected credentials without retrying', async () => {
      const wrong = clientFor({ ...xdp.env(), XDP_SECRET_KEY: 'not-the-secret' });
      const error = await failure(wrong.listDatastores(PAGE));
      expect(error).toMatchObject({ kind: 'upstream', reason: 'credentials_rejected', details: { upstreamStatus: 401 } });
      expect(error.message).toContain('check XDP_ACCESS_KEY and XDP_SECRET_KEY');
      expect(error.message).toContain('Invalid accessKey or secretKey');
      expect(xdp.requests()).toHaveLength(1);
    });

    it('scrubs our own secret from anything XDP echoes back', async () => {
      xdp.enqueue({ kind: 'failure-envelope', message: 'bad key', detailedMessage: `secretKey ${xdp.secretKey} is not valid` });
      const error = await failure(client.listDatastores(PAGE));
      expect(error.message).not.toContain(xdp.secretKey);
      expect(error.message).toContain('[REDACTED]');
    });

    it('maps XDP rejecting the arguments (400) to invalid_arguments with its message', async () => {
      const error = await failure(client.listDatastores({ ...PAGE, sortBy: 'colour:asc' }));
      expect(error).toMatchObject({ kind: 'invalid_arguments', errorCode: 1002, details: { upstreamStatus: 400 } });
      expect(error.message).toContain('sortable fields');
    });

    it('maps 404 to a message about XDP_BASE_URL', async () => {
      xdp.enqueue({ kind: 'status', status: 404 });
      const error = await failure(client.listDataplanes());
      expect(error).toMatchObject({ kind: 'upstream', reason: 'not_found' });
      expect(error.message).toContain('XDP_BASE_URL');
    });

    it.each([
      [
        'malformed JSON',
        { kind: 'malformed-json' } as const,
        'XDP returned a bad response body for GET /datastore: not valid JSON (content-type application/json)',
      ],
      [
        'a wrong shape',
        { kind: 'wrong-shape' } as const,
        'XDP returned a bad response body for GET /datastore: data is missing "dataStores"',
      ],
      [
        'a wrongly typed field',
        {
          kind: 'wrong-shape',
          body: {
            success: true,
            data: { dataStores: [{ id: 'x', name: 'a', dataplaneId: 1, dataStoreType: 'S3' }], meta: { page: 0, size: 1, count: 1 } },
          },
        } as const,
        'XDP returned a bad response body for GET /datastore: data.dataStores[0].id must be integer',
      ],
    ])('rejects %s as a bad response body without retrying', async (_name, behaviour, message) => {
      xdp.enqueue(behaviour);
      const error = await failure(client.listDatastores(PAGE));
      expect(error).toMatchObject({ kind: 'upstream', reason: 'bad_response', message });
      expect(xdp.requests()).toHaveLength(1);
    });

    it('does not follow a redirect, so the key headers never reach another host', async () => {
      xdp.enqueue({ kind: 'status', status: 302, headers: { Location: 'http://127.0.0.1:1/elsewhere' } });
      const error = await failure(client.listDataplanes());
      expect(error).toMatchObject({ kind: 'upstream', reason: 'redirect', details: { upstreamStatus: 302 } });
      expect(xdp.requests()).toHaveLength(1);
    });

    it('refuses an answer larger than XDP_MAX_RESPONSE_BYTES without retrying', async () => {
      const capped = clientFor({ ...xdp.env(), XDP_MAX_RESPONSE_BYTES: '4096' });
      const error = await failure(capped.listDatastores({ ...PAGE, size: 100 }));
      expect(error).toMatchObject({
        kind: 'upstream',
        reason: 'too_large',
        message: "XDP's answer to GET /datastore is larger than XDP_MAX_RESPONSE_BYTES (4096 bytes)",
      });
      expect(xdp.requests()).toHaveLength(1);
    });

    it('reports a failed query given as a top-level error string (HTTP 200)', async () => {
      xdp.enqueue({ kind: 'query-error', error: "line 1:8: Column 'x' cannot be resolved", where: 'top' });
      const error = await failure(client.executeQuery({ dataplane: '168', query: 'SELECT x' }));
      expect(error).toBeInstanceOf(XdpQueryError);
      expect(error).toMatchObject({
        kind: 'upstream',
        reason: 'query_failed',
        queryError: "line 1:8: Column 'x' cannot be resolved",
        details: { upstreamStatus: 200 },
      });
      expect(error.message).toMatch(/^Query failed \[\w+\]: line 1:8: Column 'x' cannot be resolved$/);
    });

    it('reports a failed query given as a Trino error object in result.error', async () => {
      const trinoError = {
        message: 'Table tpch.sf1.nope does not exist',
        errorCode: 46,
        errorName: 'TABLE_NOT_FOUND',
        errorType: 'USER_ERROR',
      };
      xdp.enqueue({ kind: 'query-error', error: trinoError, where: 'result' });
      const error = (await failure(client.executeQuery({ dataplane: '168', query: 'SELECT * FROM nope' }))) as XdpQueryError;
      // Classified like the same failure on direct Trino (one taxonomy): an unknown table is not_found.
      expect(error).toMatchObject({ kind: 'not_found', errorCode: 46, queryError: trinoError });
      expect(error.message).toContain('Table tpch.sf1.nope does not exist (TABLE_NOT_FOUND)');
    });
  });

  describe('retries', () => {
    it('retries a GET through intermittent 503s and succeeds', async () => {
      xdp.enqueue({ kind: 'status', status: 503 }, { times: 2 });
      await expect(client.listDatastores(PAGE)).resolves.toHaveProperty('dataStores');
      expect(xdp.requests().map((request) => request.status)).toEqual([503, 503, 200]);
    });

    it('stops at XDP_MAX_ATTEMPTS and reports the last status', async () => {
      xdp.setBehaviour({ kind: 'status', status: 502 });
      const error = await failure(client.listDataplanes());
      expect(error).toMatchObject({ kind: 'upstream', reason: 'server_error', attempts: 3, details: { upstreamStatus: 502 } });
      expect(error.message).toContain('XDP failed with HTTP 502 for GET /dataplane after 3 attempts');
      expect(xdp.requests()).toHaveLength(3);
    });

    it('honours a custom attempt bound', async () => {
      const once = clientFor({ ...xdp.env(), XDP_MAX_ATTEMPTS: '1' });
      xdp.setBehaviour({ kind: 'status', status: 504 });
      await failure(once.listDataplanes());
      expect(xdp.requests()).toHaveLength(1);
    });

    it('does not retry a 500 (not a transient status)', async () => {
      xdp.enqueue({ kind: 'status', status: 500 });
      await failure(client.listDataplanes());
      expect(xdp.requests()).toHaveLength(1);
    });

    it('never retries the query POST, whatever the failure', async () => {
      xdp.setBehaviour({ kind: 'status', status: 503 });
      await failure(client.executeQuery({ dataplane: '168', query: 'SELECT 1' }));
      xdp.setBehaviour({ kind: 'reset-mid-body' });
      const reset = await failure(client.executeQuery({ dataplane: '168', query: 'SELECT 1' }));
      expect(reset).toMatchObject({ kind: 'unavailable', reason: 'unreachable' });
      expect(xdp.requests('/query/execute')).toHaveLength(2);
    });

    it('retries a GET whose connection is reset mid-body', async () => {
      xdp.enqueue({ kind: 'reset-mid-body' });
      await expect(client.listDatastores(PAGE)).resolves.toHaveProperty('dataStores');
      expect(xdp.requests().map((request) => request.outcome)).toEqual(['reset', 'completed']);
    });

    it('waits for Retry-After on 429, then succeeds', async () => {
      xdp.enqueue({ kind: 'rate-limited', retryAfter: 1 });
      await expect(client.listDataplanes()).resolves.toHaveProperty('dataplanes');
      expect(xdp.requests().map((request) => request.status)).toEqual([429, 200]);
    });

    it('does not wait for a Retry-After beyond the cap: rate_limited at once', async () => {
      xdp.enqueue({ kind: 'rate-limited', retryAfter: 120 });
      const error = await failure(client.listDataplanes());
      expect(error).toMatchObject({ kind: 'rate_limited', details: { upstreamStatus: 429, retryAfterSeconds: 120 } });
      expect(error.message).toContain('retry after 120 s');
      expect(xdp.requests()).toHaveLength(1);
    });

    it('retries connection refusals up to the bound, then reports XDP unreachable', async () => {
      const url = await closedPortUrl();
      const refused = clientFor({ ...xdp.env(), XDP_BASE_URL: url });
      const error = await failure(refused.listDataplanes());
      expect(error).toMatchObject({ kind: 'unavailable', reason: 'unreachable', attempts: 3 });
      expect(error.message).toBe('XDP is unreachable for GET /dataplane after 3 attempts: connection refused (ECONNREFUSED)');
      expect(error.message).not.toContain(new URL(url).host);
    });
  });

  describe('deadlines and cancellation', () => {
    it('times out at XDP_TIMEOUT_MS and aborts the upstream request', async () => {
      const impatient = clientFor({ ...xdp.env(), XDP_TIMEOUT_MS: '300' });
      xdp.setBehaviour({ kind: 'hang' });
      const error = await failure(impatient.listDatastores(PAGE));
      expect(error).toMatchObject({
        kind: 'timeout',
        reason: 'timeout',
        message: 'XDP did not answer GET /datastore within 300 ms (XDP_TIMEOUT_MS)',
      });
      await xdp.waitFor((log) => log[0]?.outcome === 'aborted');
      expect(xdp.requests()).toHaveLength(1);
    });

    it("aborts the upstream request when the caller's signal aborts", async () => {
      xdp.setBehaviour({ kind: 'hang' });
      const controller = new AbortController();
      const call = failure(client.executeQuery({ dataplane: '168', query: 'SELECT 1' }, { signal: controller.signal }));
      await xdp.waitFor((log) => log.length === 1);
      controller.abort();
      await expect(call).resolves.toMatchObject({ kind: 'cancelled', reason: 'cancelled' });
      await xdp.waitFor((log) => log[0]?.outcome === 'aborted');
    });

    it('does not start a request for an already aborted signal', async () => {
      await expect(client.listDataplanes({ signal: AbortSignal.abort() })).rejects.toMatchObject({ kind: 'cancelled' });
      expect(xdp.requests()).toHaveLength(0);
    });
  });

  describe('circuit breaker', () => {
    it('opens after consecutive failures, fails fast without requests, probes and recovers', async () => {
      const clock = new ManualClock(); // the breaker's cooldown reads it
      const guarded = clientFor(
        { ...xdp.env(), XDP_MAX_ATTEMPTS: '1', XDP_BREAKER_THRESHOLD: '2', XDP_BREAKER_COOLDOWN_MS: '1000' },
        clock,
      );
      xdp.setBehaviour({ kind: 'status', status: 503 });
      await failure(guarded.listDataplanes());
      await failure(guarded.listDataplanes());
      expect(guarded.breakerSnapshot().state).toBe('open');

      const fast = await failure(guarded.listDataplanes());
      expect(fast).toMatchObject({ kind: 'unavailable', reason: 'circuit_open' });
      expect(fast.message).toMatch(
        /^XDP is unavailable: 2 consecutive requests failed \(last: HTTP 503\); new requests are refused for another 1 s/,
      );
      expect(xdp.requests()).toHaveLength(2);

      clock.advance(1000);
      await failure(guarded.listDataplanes()); // the half-open probe fails: open again
      expect(guarded.breakerSnapshot().state).toBe('open');
      expect(xdp.requests()).toHaveLength(3);

      xdp.setBehaviour({ kind: 'normal' });
      clock.advance(1000);
      await expect(guarded.listDataplanes()).resolves.toHaveProperty('dataplanes');
      expect(guarded.breakerSnapshot()).toEqual({ state: 'closed', consecutiveFailures: 0 });
    });

    it('lets the connection check through an open breaker and closes it on success', async () => {
      const guarded = clientFor({ ...xdp.env(), XDP_MAX_ATTEMPTS: '1', XDP_BREAKER_THRESHOLD: '1', XDP_BREAKER_COOLDOWN_MS: '600000' });
      xdp.enqueue({ kind: 'status', status: 503 });
      await failure(guarded.listDataplanes());
      expect(guarded.breakerSnapshot().state).toBe('open');
      await guarded.checkConnection();
      expect(guarded.breakerSnapshot().state).toBe('closed');
      expect(xdp.requests('/datastore')[0]!.query).toEqual({ page: '0', size: '1' });
    });

    it('reports SQL that XDP answers with HTTP 500 as the query failing, and keeps the shared breaker closed', async () => {
      const guarded = clientFor({ ...xdp.env(), XDP_BREAKER_THRESHOLD: '1' });
      const error = {
        message: "line 1:8: Column 'nope' cannot be resolved",
        errorCode: 47,
        errorName: 'COLUMN_NOT_FOUND',
        errorType: 'USER_ERROR',
      };
      xdp.enqueue({ kind: 'query-error', error, where: 'result', httpStatus: 500 }, { times: 3 });
      for (let call = 0; call < 3; call++) {
        expect(await failure(guarded.executeQuery({ dataplane: '168', query: 'SELECT nope' }))).toMatchObject({
          reason: 'query_failed',
          kind: 'not_found',
        });
      }
      expect(guarded.breakerSnapshot()).toEqual({ state: 'closed', consecutiveFailures: 0 });
      await expect(guarded.listDataplanes()).resolves.toHaveProperty('dataplanes');
    });

    it('opens on a bare HTTP 500 from the query endpoint (XDP failing, not the query)', async () => {
      const guarded = clientFor({ ...xdp.env(), XDP_BREAKER_THRESHOLD: '1' });
      xdp.enqueue({ kind: 'status', status: 500 });
      await failure(guarded.executeQuery({ dataplane: '168', query: 'SELECT 1' }));
      expect(guarded.breakerSnapshot().state).toBe('open');
    });

    it('does not count client errors (401) as XDP being down', async () => {
      const guarded = clientFor({ ...xdp.env(), XDP_BREAKER_THRESHOLD: '1' });
      xdp.enqueue({ kind: 'status', status: 401 }, { times: 3 });
      for (let call = 0; call < 3; call++) await failure(guarded.listDataplanes());
      expect(guarded.breakerSnapshot().state).toBe('closed');
    });
  });

  it('records every attempt in the upstream metrics by endpoint and status', async () => {
    const metrics = new MetricsService();
    const count = async (status: string) =>
      (await metrics.upstreamRequests.get()).values.find(
        (value) => value.labels.endpoint === '/dataplane' && value.labels.status === status,
      )?.value ?? 0;
    const before = { ok: await count('200'), unavailable: await count('503') };
    xdp.enqueue({ kind: 'status', status: 503 });
    await client.listDataplanes();
    expect(await count('200')).toBe(before.ok + 1);
    expect(await count('503')).toBe(before.unavailable + 1);
  });
});
