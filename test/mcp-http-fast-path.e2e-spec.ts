import { McpServerFactory } from '#mcp-transports';
import { abortProbe, AbortProbeModule } from './support/abort-probe.module.js';
import { startTestServer, type TestServer } from './support/app-harness.js';
import { type CallParams, FAST_PATH_CALL_CASES } from './support/fast-path-cases.js';
import { FixtureToolsModule } from './support/fixture-tools.module.js';

/**
 * The /mcp fast path (libs/mcp-transports/src/http/mcp-http-fast-path.ts) must answer exactly as
 * the SDK does. Each case POSTs the same request twice, with the same id: once in the common shape
 * the fast path takes, once with an extra `_meta` key (ignored by the tools, no envelope claim) that
 * sends it to the SDK; status, Content-Type, Content-Length and body bytes must be the same. Which
 * path served a request is read from the factory: the SDK path builds a Server per request, the
 * fast path none.
 */

const ACCEPT = 'application/json, text/event-stream';

type Params = CallParams;

interface Answer {
  status: number;
  contentType: string | null;
  contentLength: string | null;
  text: string;
}

/** The same request in the SDK's hands: an extra `_meta` key takes it off the fast path. */
function viaSdk(params: Params | undefined): Params {
  return { ...params, _meta: { ...params?._meta, 'x-route': 'sdk' } };
}

function request(id: number | string, method: string, params?: Params) {
  return { jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) };
}

describe('/mcp fast path answers byte for byte as the SDK (e2e)', () => {
  let server: TestServer;
  let mcpUrl: string;
  let serversBuilt: jest.SpyInstance;

  beforeAll(async () => {
    server = await startTestServer({ imports: [FixtureToolsModule, AbortProbeModule] });
    mcpUrl = `${server.url}/mcp`;
    serversBuilt = jest.spyOn(server.app.get(McpServerFactory), 'create');
  });

  afterAll(async () => {
    serversBuilt?.mockRestore();
    await server?.close();
  });

  async function post(message: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Answer> {
    const response = await fetch(mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers },
      body: JSON.stringify(message),
      signal,
    });
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      contentLength: response.headers.get('content-length'),
      text: await response.text(),
    };
  }

  /** POSTs the message and says whether the SDK built a Server for it (false: the fast path answered). */
  async function served(message: unknown, headers: Record<string, string> = {}): Promise<{ answer: Answer; bySdk: boolean }> {
    serversBuilt.mockClear();
    const answer = await post(message, headers);
    return { answer, bySdk: serversBuilt.mock.calls.length > 0 };
  }

  /** Both paths' answers for one request, same id; asserts each took the path it was shaped for. */
  async function both(id: number, method: string, params?: Params, headers: Record<string, string> = {}) {
    const fast = await served(request(id, method, params), headers);
    const sdk = await served(request(id, method, viaSdk(params)), headers);
    expect(fast.bySdk).toBe(false);
    expect(sdk.bySdk).toBe(true);
    return { fast: fast.answer, sdk: sdk.answer };
  }

  it('ping', async () => {
    const { fast, sdk } = await both(1, 'ping');
    expect(fast).toEqual({
      status: 200,
      contentType: 'application/json',
      contentLength: '36',
      text: '{"result":{},"jsonrpc":"2.0","id":1}',
    });
    expect(fast).toEqual(sdk);
  });

  it('tools/list', async () => {
    const { fast, sdk } = await both(2, 'tools/list', {});
    expect(JSON.parse(fast.text).result.tools.map((tool: { name: string }) => tool.name)).toContain('test_echo');
    expect(fast).toEqual(sdk);
  });

  it.each(FAST_PATH_CALL_CASES)('tools/call: %s', async (_name, params) => {
    const { fast, sdk } = await both(3, 'tools/call', params);
    expect(fast.status).toBe(200);
    expect(fast).toEqual(sdk);
  });

  it('a supported 2025 protocol version header keeps the fast path, with the same answer', async () => {
    const { fast, sdk } = await both(
      4,
      'tools/call',
      { name: 'test_echo', arguments: { message: 'v' } },
      { 'mcp-protocol-version': '2025-06-18' },
    );
    expect(fast).toEqual(sdk);
  });

  it('an Accept without text/event-stream goes to the SDK, which answers 406', async () => {
    const { answer, bySdk } = await served(request(5, 'ping'), { accept: 'application/json' });
    expect(bySdk).toBe(true);
    expect(answer.status).toBe(406);
    expect(JSON.parse(answer.text).error.message).toMatch(/Not Acceptable/);
  });

  it('a body that is not JSON (text/plain, left unparsed) goes to the SDK, which answers 415', async () => {
    const { answer, bySdk } = await served(request(7, 'ping'), { 'content-type': 'text/plain' });
    expect(bySdk).toBe(true);
    expect(answer.status).toBe(415);
    expect(JSON.parse(answer.text).error.message).toMatch(/Unsupported Media Type/);
  });

  it('an unsupported protocol version header goes to the SDK, which answers 400', async () => {
    const { answer, bySdk } = await served(request(6, 'tools/list'), { 'mcp-protocol-version': '1999-01-01' });
    expect(bySdk).toBe(true);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text).error.message).toMatch(/Unsupported protocol version: 1999-01-01/);
  });

  it('a request asking for progress goes to the SDK (its answer is SSE)', async () => {
    const { answer, bySdk } = await served(
      request(7, 'tools/call', { name: 'test_slow', arguments: { ms: 0, steps: 1 }, _meta: { progressToken: 'p' } }),
    );
    expect(bySdk).toBe(true);
    expect(answer.contentType).toBe('text/event-stream');
  });

  it('a notifications/cancelled in another POST cancels a fast call as it cancels an SDK call, with the same answer', async () => {
    const cancelled = async (key: string, params: Params) => {
      serversBuilt.mockClear();
      const answer = post(request(8, 'tools/call', params));
      await abortProbe.started(key);
      // Read before the cancellation's own POST, which the SDK serves.
      const bySdk = serversBuilt.mock.calls.length > 0;
      const notice = await post({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 8, reason: 'user stop' } });
      expect(notice.status).toBe(202);
      expect(await abortProbe.aborted(key)).toBe('user stop');
      return { answer: await answer, bySdk };
    };
    const fast = await cancelled('cancel-fast', { name: 'test_wait_for_abort', arguments: { key: 'cancel-fast' } });
    const sdk = await cancelled('cancel-sdk', viaSdk({ name: 'test_wait_for_abort', arguments: { key: 'cancel-sdk' } }));
    expect(fast.bySdk).toBe(false);
    expect(sdk.bySdk).toBe(true);
    expect(JSON.parse(fast.answer.text).result).toMatchObject({ isError: true, content: [{ text: 'Call was cancelled' }] });
    expect(fast.answer).toEqual(sdk.answer);
  });

  it('a client closing the response early aborts a fast call as it aborts an SDK call', async () => {
    const closed = async (key: string, params: Params) => {
      const client = new AbortController();
      const call = post(request(9, 'tools/call', params), {}, client.signal).catch((error: unknown) => error);
      await abortProbe.started(key);
      client.abort();
      await call;
      return abortProbe.aborted(key);
    };
    const fast = await closed('close-fast', { name: 'test_wait_for_abort', arguments: { key: 'close-fast' } });
    const sdk = await closed('close-sdk', viaSdk({ name: 'test_wait_for_abort', arguments: { key: 'close-sdk' } }));
    expect(fast).toMatch(/Connection closed/);
    expect(fast).toBe(sdk);
    // The server goes on serving.
    expect((await post(request(10, 'ping'))).status).toBe(200);
  });
});
