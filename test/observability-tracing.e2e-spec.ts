import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FakeTrinoServer } from './fakes/fake-trino.server.js';
import { FakeXdpServer } from './fakes/fake-xdp.server.js';
import { type CollectedSpan, OtlpCollector } from './support/otlp-collector.js';
import { postJson, startTestServer, type TestServer } from './support/app-harness.js';
import { RpcSocket } from './support/rpc-socket.js';

const SERVER = 2;
const CLIENT = 3;
const TRINO_PASSWORD = 'tracing-Trino-Password-must-not-leak';

/** Awaits a condition polled every few ms (the exporter's batch delay is short but not zero). */
async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function newTraceparent(): { traceId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

function byName(spans: CollectedSpan[], name: string | RegExp): CollectedSpan[] {
  return spans.filter((span) => (typeof name === 'string' ? span.name === name : name.test(span.name)));
}

describe.each(['http/protobuf', 'http/json'])('OpenTelemetry traces exported over OTLP %s (e2e)', (protocol) => {
  let collector: OtlpCollector;
  let trino: FakeTrinoServer;
  let xdp: FakeXdpServer;
  let server: TestServer;

  beforeAll(async () => {
    collector = await OtlpCollector.start();
    trino = await FakeTrinoServer.start({ auth: { basic: { user: 'xdp-mcp-server', password: TRINO_PASSWORD } } });
    xdp = await FakeXdpServer.start({ onQuery: () => ({ columns: [{ name: 'n', type: 'integer' }], rows: [[1]] }) });
    server = await startTestServer({
      env: {
        ...xdp.env(),
        TRINO_URL: trino.url,
        TRINO_PASSWORD,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=collector-Secret-Header-value',
        OTEL_BSP_SCHEDULE_DELAY: '20',
      },
      imports: [],
    });
  });

  afterAll(async () => {
    await server.close();
    await Promise.all([collector.close(), trino.close(), xdp.close()]);
  });

  /** The spans of one trace, once the engine's CLIENT spans and the request's SERVER span have arrived. */
  async function traceOf(traceId: string): Promise<CollectedSpan[]> {
    await until(() => {
      const spans = collector.inTrace(traceId);
      return (
        spans.some((span) => span.kind === SERVER && span.parentSpanId !== '' && span.attributes['xdp.transport'] !== undefined) &&
        byName(spans, /^query /).length === 1 &&
        spans.some((span) => span.kind === CLIENT && span.attributes['url.full'] !== undefined)
      );
    }, `the spans of trace ${traceId}`);
    return collector.inTrace(traceId);
  }

  /** server → tool → guard and engine → upstream CLIENT, all in the caller's trace. */
  function expectCallTree(spans: CollectedSpan[], transport: string, engine: 'trino' | 'xdp'): void {
    const [root] = spans.filter((span) => span.kind === SERVER);
    expect(root.attributes['xdp.transport']).toBe(transport);
    const [tool] = byName(spans, 'execute_tool trino_execute_query');
    expect(tool.parentSpanId).toBe(root.spanId);
    expect(tool.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'trino_execute_query',
      'xdp.tool.outcome': 'success',
    });
    const [guard] = byName(spans, 'sql.guard');
    expect(guard.parentSpanId).toBe(tool.spanId);
    expect(guard.attributes['xdp.sql.fingerprint']).toMatch(/^[\da-f]{16}$/);
    const [query] = byName(spans, `query ${engine}`);
    expect(query.parentSpanId).toBe(tool.spanId);
    expect(query.attributes).toMatchObject({ 'db.system': 'trino', 'db.system.name': 'trino', 'xdp.result.truncated': false });
    expect(query.attributes['db.response.returned_rows']).toBe(1);
    expect(typeof query.attributes['xdp.query.id']).toBe('string');
    const upstream = spans.filter((span) => span.kind === CLIENT && span.parentSpanId === query.spanId);
    expect(upstream.length).toBeGreaterThan(0);
    for (const span of upstream) {
      expect(span.attributes['http.response.status_code']).toBe(200);
      expect(span.attributes['url.full']).toMatch(engine === 'trino' ? /^\[Trino\]\/v1\/statement/ : /^\[XDP\]\/query\/execute$/);
    }
    expect(spans.every((span) => span.serviceName === 'xdp-mcp-server')).toBe(true);
  }

  beforeEach(() => {
    trino.reset();
    xdp.reset();
  });

  it('continues a traceparent header on /mcp through the tool, guard, engine and Trino requests', async () => {
    const { traceId, traceparent } = newTraceparent();
    const answer = await postJson(
      `${server.url}/mcp`,
      {
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'trino_execute_query', arguments: { dataplane: 'trino', query: "SELECT 'secret-literal-value' AS n" } },
      },
      { accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18', traceparent },
    );
    expect(answer.status).toBe(200);
    const spans = await traceOf(traceId);
    expectCallTree(spans, 'mcp-http', 'trino');
    const [root] = spans.filter((span) => span.kind === SERVER);
    expect(root.name).toBe('tools/call');
    expect(root.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'jsonrpc.request.id': '7',
      'network.transport': 'tcp',
      'mcp.protocol.version': '2025-06-18',
      'xdp.session.kind': 'stateless',
    });
    expect(trino.statementTraceIds().length).toBeGreaterThan(0);
    expect(new Set(trino.statementTraceIds())).toEqual(new Set([traceId]));
  });

  it('continues params._meta.traceparent on /ws through XDP', async () => {
    const socket = await RpcSocket.open(server.wsUrl);
    try {
      const { traceId, traceparent } = newTraceparent();
      const answer = await socket.request({
        method: 'tools/call',
        params: { name: 'trino_execute_query', arguments: { dataplane: '168', query: 'SELECT 1 AS n' }, _meta: { traceparent } },
      });
      expect(answer.result.isError).toBeUndefined();
      const spans = await traceOf(traceId);
      expectCallTree(spans, 'ws', 'xdp');
      expect(spans.find((span) => span.kind === SERVER)?.attributes).toMatchObject({
        'network.protocol.name': 'websocket',
        'mcp.protocol.version': '2025-06-18',
        'xdp.session.kind': 'connection',
      });
      expect(xdp.traceIds('/query/execute')).toEqual([traceId]);
    } finally {
      socket.socket.close();
    }
  });

  it('continues a traceparent header on REST', async () => {
    const { traceId, traceparent } = newTraceparent();
    const answer = await postJson(`${server.url}/api/trino/query`, { dataplane: 'trino', query: 'SELECT 1 AS n' }, { traceparent });
    expect(answer.status).toBe(200);
    const spans = await traceOf(traceId);
    expectCallTree(spans, 'rest', 'trino');
    expect(spans.find((span) => span.kind === SERVER)).toMatchObject({
      name: 'POST /api/trino/query',
      attributes: { 'http.route': '/api/trino/query', 'http.response.status_code': 200 },
    });
    expect(new Set(trino.statementTraceIds())).toEqual(new Set([traceId]));
  });

  it('starts a new trace for a request without traceparent, and puts its ids on log lines', async () => {
    const before = collector.spans.length;
    const answer = await postJson(`${server.url}/api/trino/query`, { dataplane: 'trino', query: 'SELECT 1 AS n' });
    expect(answer.status).toBe(200);
    await until(() => collector.spans.slice(before).some((span) => span.kind === SERVER && span.parentSpanId === ''), 'a root span');
    const root = collector.spans.slice(before).find((span) => span.kind === SERVER && span.parentSpanId === '')!;
    expect(server.logs()).toContain(`"trace_id":"${root.traceId}"`);
  });

  it('exports no secret: not the Trino password, its Basic form, the XDP keys, the collector header, nor SQL text', () => {
    const exported = Buffer.concat(collector.rawBodies).toString('latin1');
    expect(exported.length).toBeGreaterThan(0);
    const env = xdp.env();
    for (const secret of [
      TRINO_PASSWORD,
      Buffer.from(`xdp-mcp-server:${TRINO_PASSWORD}`).toString('base64'),
      env.XDP_ACCESS_KEY,
      env.XDP_SECRET_KEY,
      'collector-Secret-Header-value',
      'secret-literal-value',
      trino.url,
      xdp.url,
    ]) {
      expect(exported).not.toContain(secret);
    }
  });
});

describe('OpenTelemetry traces over stdio (built app, e2e)', () => {
  const MAIN = join(process.cwd(), 'dist', 'apps', 'xdp-mcp-server', 'main.js');

  it('continues params._meta.traceparent on stdio and flushes the spans when the session ends', async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npx nest build\` (npm test builds first)`);
    const collector = await OtlpCollector.start();
    try {
      // A long batch delay: the spans can only arrive through the flush at shutdown.
      const env = {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      };
      const child = spawn(process.execPath, [MAIN, '--stdio'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const { traceId, traceparent } = newTraceparent();
      const lines = [
        {
          jsonrpc: '2.0',
          id: 0,
          method: 'initialize',
          params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'tracing', version: '0' } },
        },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'trino_execute_query', arguments: { query: 'SELECT 1 AS n' }, _meta: { traceparent } },
        },
      ];
      for (const line of lines) child.stdin.write(`${JSON.stringify(line)}\n`);
      while (stdout.split('\n').filter(Boolean).length < 2) await once(child.stdout, 'data');
      child.stdin.end();
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(JSON.parse(stdout.split('\n')[1]!).result.isError).toBeUndefined();
      const spans = collector.inTrace(traceId);
      const [root] = spans.filter((span) => span.kind === SERVER);
      expect(root.attributes).toMatchObject({
        'mcp.method.name': 'tools/call',
        'network.transport': 'pipe',
        'xdp.transport': 'stdio',
        'mcp.protocol.version': '2025-06-18',
      });
      const [tool] = byName(spans, 'execute_tool trino_execute_query');
      expect(tool.parentSpanId).toBe(root.spanId);
      expect(byName(spans, 'sql.guard')[0]?.parentSpanId).toBe(tool.spanId);
      expect(byName(spans, 'query duckdb')[0]?.attributes).toMatchObject({
        'db.system': 'duckdb',
        'xdp.dataplane': 'local',
        'db.response.returned_rows': 1,
      });
    } finally {
      await collector.close();
    }
  });
});
