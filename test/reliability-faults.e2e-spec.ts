import { createServer } from 'node:net';
import { BREAKER_CLOCK } from '#xdp';
import { FakeXdpServer, type FakeXdpBehaviour } from './fakes/fake-xdp.server.js';
import { getJson, startTestServer, type TestServer } from './support/app-harness.js';
import { FixtureToolsModule } from './support/fixture-tools.module.js';
import { ManualClock, ManualClockModule } from './support/manual-clock.js';
import { RpcSocket } from './support/rpc-socket.js';

/**
 * Upstream faults, one at a time, against the fake XDP: every call must end with a precise error
 * (status, code and a message naming the cause) well within the configured deadlines, concurrent
 * calls included; the breaker must open under repeated failures and close again afterwards; and
 * no call may be left running.
 */
const TIMEOUT_MS = 700;
const ATTEMPTS = 2;
/** Worst case for one call: every attempt times out, plus retry pauses and scheduling slack. */
const CALL_BOUND_MS = TIMEOUT_MS * ATTEMPTS + 4000;
const COOLDOWN_MS = 300;

const XDP_LIMITS = {
  XDP_TIMEOUT_MS: String(TIMEOUT_MS),
  XDP_MAX_ATTEMPTS: String(ATTEMPTS),
  XDP_RETRY_BASE_DELAY_MS: '10',
  XDP_BREAKER_THRESHOLD: '4',
  XDP_BREAKER_COOLDOWN_MS: String(COOLDOWN_MS),
  XDP_HEALTH_INTERVAL_MS: '3600000',
  XDP_MAX_RESPONSE_BYTES: '16384',
  RATE_LIMIT_REQUESTS: '0',
};

interface Answer {
  status: number;
  body: any;
  elapsedMs: number;
}

async function listDatastores(server: TestServer, size = 5): Promise<Answer> {
  const started = Date.now();
  const { status, body } = await getJson(`${server.url}/api/xdp/datastores?page=0&size=${size}`);
  return { status, body, elapsedMs: Date.now() - started };
}

async function inFlight(server: TestServer): Promise<number> {
  return Number(/^xdp_mcp_tool_calls_in_flight (\d+)/m.exec(String((await getJson(`${server.url}/metrics`)).body))?.[1]);
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe('Upstream faults (e2e, fake XDP)', () => {
  let xdp: FakeXdpServer;
  let server: TestServer;
  /** The breaker's clock: a test ends its cooldown by moving it, not by waiting. */
  const clock = new ManualClock();

  beforeAll(async () => {
    xdp = await FakeXdpServer.start({ datastoreCount: 300 });
    server = await startTestServer({
      env: { ...xdp.env(), ...XDP_LIMITS },
      imports: [FixtureToolsModule, ManualClockModule.providing(clock, BREAKER_CLOCK)],
    });
  });

  afterAll(async () => {
    await server.close();
    await xdp.close();
  });

  /** Back to a healthy upstream and a closed breaker before the next fault. */
  beforeEach(async () => {
    xdp.reset();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const answer = await listDatastores(server);
      if (answer.status === 200) break;
      if (Date.now() > deadline) throw new Error(`XDP calls did not recover: ${JSON.stringify(answer.body)}`);
      clock.advance(COOLDOWN_MS);
    }
    xdp.reset();
  });

  afterEach(async () => {
    expect(await inFlight(server)).toBe(0);
  });

  const faults: {
    name: string;
    behaviour: FakeXdpBehaviour;
    status: number;
    code: string;
    message: RegExp;
    size?: number;
    calls?: number;
  }[] = [
    {
      name: 'slow beyond XDP_TIMEOUT_MS',
      behaviour: { kind: 'slow', delayMs: 10_000 },
      status: 504,
      code: 'timeout',
      message: /did not answer .* within 700 ms/,
    },
    { name: 'hanging', behaviour: { kind: 'hang' }, status: 504, code: 'timeout', message: /did not answer .* within 700 ms/ },
    {
      name: '5xx on every attempt',
      behaviour: { kind: 'status', status: 502 },
      status: 502,
      code: 'upstream',
      message: /XDP failed with HTTP 502 .* after 2 attempts/,
    },
    {
      name: 'a 429 storm',
      behaviour: { kind: 'rate-limited', retryAfter: 1 },
      calls: 20,
      status: 429,
      code: 'rate_limited',
      message: /rate limiting requests \(HTTP 429\)/,
    },
    { name: 'malformed JSON', behaviour: { kind: 'malformed-json' }, status: 502, code: 'upstream', message: /bad response body/ },
    {
      name: 'an oversized body (capped)',
      behaviour: { kind: 'normal' },
      size: 100,
      status: 502,
      code: 'upstream',
      message: /larger than XDP_MAX_RESPONSE_BYTES \(16384 bytes\)/,
    },
    {
      name: 'connection resets mid-body',
      behaviour: { kind: 'reset-mid-body' },
      status: 503,
      code: 'unavailable',
      message: /XDP is unreachable .* after 2 attempts/,
    },
  ];

  it.each(faults)(
    '$name: concurrent calls each get $status $code within the deadline',
    async ({ behaviour, status, code, message, size, calls = 3 }) => {
      xdp.setBehaviour(behaviour);
      const answers = await Promise.all(Array.from({ length: calls }, () => listDatastores(server, size)));
      for (const answer of answers) {
        // The breaker may open part-way through a burst; that too is a precise, immediate answer.
        if (answer.body.error?.message?.includes('consecutive requests failed')) {
          expect(answer).toMatchObject({ status: 503, body: { error: { code: 'unavailable' } } });
          continue;
        }
        expect(answer.status).toBe(status);
        expect(answer.body.error).toMatchObject({ status, code });
        expect(answer.body.error.message).toMatch(message);
        expect(answer.elapsedMs).toBeLessThan(CALL_BOUND_MS);
      }
    },
  );

  it('retries through a short 5xx burst and answers normally', async () => {
    xdp.enqueue({ kind: 'status', status: 503 }, { times: 1, endpoint: '/datastore' });
    const answer = await listDatastores(server);
    expect(answer.status).toBe(200);
    expect(answer.body.structuredContent.datastores).toHaveLength(5);
    expect(xdp.requests('/datastore')).toHaveLength(2);
  });

  it('opens the breaker under repeated failures (failing fast without calling XDP), then closes it once XDP recovers', async () => {
    xdp.setBehaviour({ kind: 'status', status: 500 });
    // XDP_BREAKER_THRESHOLD=4 failed calls open it.
    for (let call = 0; call < 4; call++) expect((await listDatastores(server)).status).toBe(502);
    const upstreamBefore = xdp.requests('/datastore').length;
    const fast = await listDatastores(server);
    expect(fast.status).toBe(503);
    expect(fast.body.error.message).toMatch(/XDP is unavailable: \d+ consecutive requests failed/);
    expect(xdp.requests('/datastore')).toHaveLength(upstreamBefore);
    expect((await getJson(`${server.url}/ready`)).body.dependencies.xdp.breaker).toBe('open');

    xdp.setBehaviour({ kind: 'normal' });
    clock.advance(COOLDOWN_MS - 1);
    expect((await listDatastores(server)).status).toBe(503); // still cooling down
    expect(xdp.requests('/datastore')).toHaveLength(upstreamBefore);
    clock.advance(1);
    const recovered = await listDatastores(server);
    expect(recovered.status).toBe(200);
    expect((await getJson(`${server.url}/ready`)).body.dependencies.xdp.breaker).toBe('closed');
  });

  it('answers every /ws call of a hanging upstream with a timeout error, none left running', async () => {
    xdp.setBehaviour({ kind: 'hang' });
    const client = await RpcSocket.open(server.wsUrl);
    const started = Date.now();
    const replies = await Promise.all(
      [1, 2, 3, 4].map(() =>
        client.request({ method: 'tools/call', params: { name: 'xdp_list_datastores', arguments: { size: 5 } } }, CALL_BOUND_MS * 2),
      ),
    );
    expect(Date.now() - started).toBeLessThan(CALL_BOUND_MS * 2);
    for (const reply of replies) {
      expect(reply.result.isError).toBe(true);
      expect(reply.result.content[0].text).toMatch(/did not answer .* within 700 ms|XDP is unavailable/);
    }
    client.close();
  });
});

describe('Upstream down (e2e)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        ...XDP_LIMITS,
        XDP_BASE_URL: `http://127.0.0.1:${await closedPort()}/xdp-cp-service/api`,
        XDP_ACCESS_KEY: 'access-key-1234',
        XDP_SECRET_KEY: 'secret-key-5678',
      },
    });
  });

  afterAll(async () => {
    await server.close();
  });

  it('answers connection refused as 503 unavailable, then fails fast with the breaker open', async () => {
    const first = await listDatastores(server);
    expect(first.status).toBe(503);
    expect(first.body.error).toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/XDP is unreachable .*connection refused/),
    });
    expect(first.elapsedMs).toBeLessThan(CALL_BOUND_MS);
    const later = [];
    for (let call = 0; call < 4; call++) later.push(await listDatastores(server));
    expect(later.at(-1)!.body.error.message).toMatch(/consecutive requests failed/);
    expect(await inFlight(server)).toBe(0);
  });
});
