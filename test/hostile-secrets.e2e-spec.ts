import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startTestServer, type TestServer } from './support/app-harness.js';
import { FakeXdpServer } from './fakes/fake-xdp.server.js';
import { OtlpCollector } from './support/otlp-collector.js';

/** Secrets the hostile upstreams know (they received them) and echo back in every field they can. */
const PLANTED = {
  trinoUser: 'svc-hostile',
  trinoPassword: 'Tr1no-planted pw/+=&42',
  trinoJwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzdmMtaG9zdGlsZSJ9.cGxhbnRlZC1qd3Qtc2lnbmF0dXJl',
  xdpAccessKey: 'xdp-ACCESS-planted-4411',
  xdpSecretKey: 'xdp-SECRET-planted-7Qz/+9',
  mcpToken: 'mcp-token-planted-5a6b7c8d',
};

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Every form a planted secret is searched for in what the app sent out. */
function forms(secret: string): string[] {
  return [secret, encodeURIComponent(secret), b64(secret).replace(/=+$/, ''), Buffer.from(secret).toString('base64url')];
}

/**
 * A Trino coordinator that echoes what it was sent: the Authorization header (raw and decoded)
 * and the planted secrets, in error messages, errorName, non-200 bodies and its version string,
 * together with its own address.
 */
class HostileTrino {
  private constructor(
    private readonly server: Server,
    readonly host: string,
  ) {}

  static async start(): Promise<HostileTrino> {
    let host = '';
    const server = createHttpServer((request, response) => void HostileTrino.answer(request, response, host));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    return new HostileTrino(server, host);
  }

  get url(): string {
    return `http://${this.host}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private static async answer(request: IncomingMessage, response: ServerResponse, host: string): Promise<void> {
    let sql = '';
    for await (const chunk of request) sql += String(chunk);
    const authorization = request.headers.authorization ?? '';
    const decoded = Buffer.from(authorization.replace(/^Basic /, ''), 'base64').toString('utf8');
    const echo = `auth "${authorization}" decoded "${decoded}" password=${PLANTED.trinoPassword} ${encodeURIComponent(PLANTED.trinoPassword)} jwt ${PLANTED.trinoJwt} at http://${host}/v1/statement`;
    const json = (status: number, body: unknown): void =>
      void response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (request.url === '/v1/info')
      return json(200, { starting: false, nodeVersion: { version: `475 ${echo}\n\u001b[31m${'x'.repeat(2000)}` } });
    if (sql.includes('non_200')) return void response.writeHead(500, { 'content-type': 'text/plain' }).end(`proxy failure: ${echo}`);
    if (sql.includes('bad_request')) return void response.writeHead(400, { 'content-type': 'text/html' }).end(`<html>${echo}</html>`);
    // A successful answer whose query id carries the credentials: the id is not shown as received.
    if (sql.includes('ok_result'))
      return json(200, { id: `q ${echo}`, columns: [{ name: 'n', type: 'integer' }], data: [[1]], stats: { state: 'FINISHED' } });
    return json(200, {
      id: `q_${b64(PLANTED.trinoPassword)}`,
      infoUri: `http://${host}/ui/query.html`,
      stats: { state: 'FAILED' },
      error: { message: `query failed for ${echo}`, errorName: decoded || authorization, errorType: 'USER_ERROR', errorCode: 1 },
    });
  }
}

async function closedPort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Polls (no fixed sleep) until the condition holds; fails with the last value seen. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  let last: T | undefined;
  for (let attempt = 0; attempt < 200; attempt++) {
    last = await read();
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} never happened; last: ${JSON.stringify(last)}`);
}

describe.each([
  [
    'password (Basic auth)',
    { TRINO_USER: PLANTED.trinoUser, TRINO_PASSWORD: PLANTED.trinoPassword },
    [PLANTED.trinoPassword, `${PLANTED.trinoUser}:${PLANTED.trinoPassword}`],
  ],
  ['JWT', { TRINO_USER: PLANTED.trinoUser, TRINO_JWT: PLANTED.trinoJwt }, [PLANTED.trinoJwt]],
])('Hostile Trino and XDP echoing planted secrets, Trino by %s (e2e)', (_mode, trinoEnv, trinoSecrets) => {
  let trino: HostileTrino;
  let xdp: FakeXdpServer;
  let server: TestServer;
  // Spans are exported too: they must carry no more than responses and logs do.
  let collector: OtlpCollector;
  const bodies: string[] = [];
  const auth = { authorization: `Bearer ${PLANTED.mcpToken}` };

  const ready = async () => {
    const response = await fetch(`${server.url}/ready`);
    const text = await response.text();
    bodies.push(text);
    return JSON.parse(text) as { dependencies: Record<string, { status: string; message?: string; breaker?: string }> };
  };

  async function rest(tool: string, params: Record<string, unknown>): Promise<{ status: number; body: any }> {
    const response = await fetch(`${server.url}/api/tools/execute`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ tool, params }),
    });
    const text = await response.text();
    bodies.push(text);
    return { status: response.status, body: JSON.parse(text) };
  }

  beforeAll(async () => {
    collector = await OtlpCollector.start();
    trino = await HostileTrino.start();
    xdp = await FakeXdpServer.start({ accessKey: PLANTED.xdpAccessKey, secretKey: PLANTED.xdpSecretKey });
    const secret = PLANTED.xdpSecretKey;
    // Planted credential shapes in a data store config, each carrying the real XDP secret key.
    xdp.datastores[0]!.config = {
      host: 'warehouse.example.com',
      dsn: `host=warehouse.example.com password=${secret} dbname=sales`,
      jdbcUrl: `jdbc:postgresql://reader:${secret}@warehouse.example.com/sales`,
      headers: [`Authorization: Basic ${b64(`reader:${secret}`)}`],
      pwd: secret,
      options: JSON.stringify({ password: secret }),
      presigned: `https://b.s3.amazonaws.com/k?X-Amz-Signature=${encodeURIComponent(secret)}`,
    };
    // The first connection check (at startup) meets a hostile 500 echoing the keys.
    xdp.enqueue(
      {
        kind: 'status',
        status: 500,
        body: {
          errorCode: secret,
          success: false,
          message: `bad key ${secret} (${xdp.origin})`,
          detailedMessage: `${b64(secret)} accessKey: ${PLANTED.xdpAccessKey}`,
        },
      },
      { endpoint: '/datastore' },
    );
    server = await startTestServer({
      env: {
        ...trinoEnv,
        TRINO_URL: trino.url,
        ...xdp.env(),
        MCP_AUTH_TOKEN: PLANTED.mcpToken,
        XDP_BREAKER_THRESHOLD: '3',
        XDP_MAX_ATTEMPTS: '1',
        LOG_LEVEL: 'debug',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '20',
      },
      imports: [],
    });
  });

  afterAll(async () => {
    await server?.close();
    await xdp?.close();
    await trino?.close();
    await collector?.close();
  });

  it('answers REST, /mcp and /ready without any planted secret or internal upstream address, and logs and exports none', async () => {
    // Trino: error message + errorName echoing the credentials, a non-200 text body, an HTML 400.
    for (const marker of ['message', 'non_200', 'bad_request']) {
      const { body } = await rest('trino_execute_query', { query: `SELECT '${marker}'`, dataplane: 'trino' });
      expect(body.isError).toBe(true);
      expect(body.error.message).toMatch(/^Trino /);
    }
    const ok = await rest('trino_execute_query', { query: "SELECT 'ok_result'", dataplane: 'trino' });
    expect(ok.body.isError).toBeFalsy();
    expect(ok.body.structuredContent).toMatchObject({ rows: [[1]], queryId: 'unknown' });
    bodies.push(JSON.stringify(ok.body));
    // XDP: a failure envelope echoing the key, a 5xx query error with hostile errorName/queryId, the planted config.
    xdp.enqueue(
      {
        kind: 'failure-envelope',
        message: `denied for ${PLANTED.xdpSecretKey}`,
        detailedMessage: encodeURIComponent(PLANTED.xdpSecretKey),
      },
      { endpoint: '/dataplane' },
    );
    bodies.push(JSON.stringify(await rest('xdp_list_dataplanes', {})));
    const stores = await rest('xdp_list_datastores', { size: 5 });
    expect(JSON.stringify(stores.body)).toContain('warehouse.example.com');

    const client = new Client({ name: 'hostile', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: auth } }));
    const hostileQueryError = {
      message: `x ${PLANTED.xdpSecretKey}`,
      errorName: PLANTED.xdpSecretKey,
      errorCode: 1,
      errorType: 'USER_ERROR',
    };
    xdp.enqueue(
      { kind: 'query-error', error: hostileQueryError, where: 'result', httpStatus: 500, queryId: PLANTED.xdpSecretKey },
      { times: 4, endpoint: '/query/execute' },
    );
    for (let call = 0; call < 4; call++) {
      const result = await client.callTool({ name: 'trino_execute_query', arguments: { query: 'SELECT nope', dataplane: '168' } });
      expect(result.isError).toBe(true);
      bodies.push(JSON.stringify(result));
    }
    bodies.push(
      JSON.stringify(await client.callTool({ name: 'trino_execute_query', arguments: { query: "SELECT 'message'", dataplane: 'trino' } })),
    );
    await client.close();

    // Four user-error 5xx from XDP, threshold 3: the shared breaker stays closed and XDP still answers.
    const listed = await rest('xdp_list_dataplanes', {});
    expect(listed.body.isError).toBeFalsy();

    // /ready: the hostile version string and XDP's echoed failure arrive via the background checks.
    const readiness = await until(
      ready,
      (body) => body.dependencies['trino:trino']?.status === 'up' && body.dependencies.xdp?.status !== 'unknown',
      'both background checks',
    );
    expect(readiness.dependencies.xdp!.breaker).toBe('closed');
    expect(readiness.dependencies['trino:trino']!.message!.length).toBeLessThanOrEqual(201);
    expect(readiness.dependencies['trino:trino']!.message).toMatch(/^Trino 475 /);

    const planted = [...trinoSecrets, PLANTED.xdpSecretKey, PLANTED.xdpAccessKey, PLANTED.mcpToken].flatMap(forms);
    const hosts = [trino.host, new URL(xdp.origin).host];
    const logs = server.logs();
    // The capture is real: the hostile echoes were logged, scrubbed.
    expect(logs).toContain(
      'XDP connection check failed: XDP failed with HTTP 500 for GET /datastore. XDP said: bad key [REDACTED] ([XDP])',
    );
    // The last REST call's tool span has been exported: the calls before it were too.
    await until(
      async () =>
        collector.spans.some(
          (span) => span.name === 'execute_tool xdp_list_dataplanes' && span.attributes['xdp.tool.outcome'] === 'success',
        ),
      Boolean,
      'the export of the last call',
    );
    const exported = Buffer.concat(collector.rawBodies).toString('utf8');
    expect(exported).toContain('[Trino]/v1/statement');
    for (const value of [...planted, ...hosts]) {
      expect({ value, inResponses: bodies.filter((body) => body.includes(value)) }).toEqual({ value, inResponses: [] });
      expect({ value, inLogs: logs.includes(value) }).toEqual({ value, inLogs: false });
      expect({ value, inSpans: exported.includes(value) }).toEqual({ value, inSpans: false });
    }
  });
});

describe('Startup and the XDP breaker under connection failures (e2e)', () => {
  it('refuses a TRINO_URL with user:password@, naming TRINO_URL and never the password', async () => {
    const attempt = startTestServer({
      env: { TRINO_URL: `http://svc:${encodeURIComponent(PLANTED.trinoPassword)}@127.0.0.1:1` },
      imports: [],
    });
    const error = (await attempt.then(
      (running) => running.close().then(() => new Error('started')),
      (caught: unknown) => caught,
    )) as Error;
    expect(error.message).toContain('TRINO_URL must not contain credentials');
    for (const value of forms(PLANTED.trinoPassword)) expect(error.message).not.toContain(value);
  });

  it('opens the breaker on connection failures and says so without naming the address', async () => {
    const port = await closedPort();
    const server = await startTestServer({
      env: {
        XDP_BASE_URL: `http://127.0.0.1:${port}`,
        XDP_ACCESS_KEY: PLANTED.xdpAccessKey,
        XDP_SECRET_KEY: PLANTED.xdpSecretKey,
        XDP_MAX_ATTEMPTS: '1',
        XDP_BREAKER_THRESHOLD: '2',
        XDP_BREAKER_COOLDOWN_MS: '600000',
      },
      imports: [],
    });
    try {
      const messages: string[] = [];
      for (let call = 0; call < 3; call++) {
        const response = await fetch(`${server.url}/api/xdp/dataplanes`);
        messages.push(((await response.json()) as { error: { message: string } }).error.message);
      }
      expect(messages[0]).toMatch(
        /^XDP is (unreachable for GET \/dataplane: connection refused|unavailable: \d+ consecutive requests failed)/,
      );
      expect(messages[2]).toMatch(/^XDP is unavailable: \d+ consecutive requests failed/);
      const readiness = (await (await fetch(`${server.url}/ready`)).json()) as { dependencies: { xdp: { breaker: string } } };
      expect(readiness.dependencies.xdp.breaker).toBe('open');
      expect(messages.join('\n') + server.logs()).not.toContain(`127.0.0.1:${port}`);
    } finally {
      await server.close();
    }
  });
});
