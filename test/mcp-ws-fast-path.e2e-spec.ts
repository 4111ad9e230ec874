import { once } from 'node:events';
import { GracefulShutdown } from '#observability';
import { WebSocket } from 'ws';
import { abortProbe, AbortProbeModule } from './support/abort-probe.module.js';
import { startTestServer, type TestServer } from './support/app-harness.js';
import { type CallParams, FAST_PATH_CALL_CASES } from './support/fast-path-cases.js';
import { FixtureToolsModule } from './support/fixture-tools.module.js';

/**
 * The /ws fast path (libs/mcp-transports/src/ws/ws-fast-path.ts) must answer exactly as the SDK
 * does. Each case sends the same request twice on one initialized session, with the same id: once
 * in the common shape the fast path takes, once with an extra `_meta` key (ignored by the tools)
 * that sends it to the SDK; the frames written back must be the same bytes.
 */

/** A raw peer that keeps every frame as the text the server wrote. */
class TextPeer {
  private readonly frames: string[] = [];
  private readonly waiters: (() => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(data.toString());
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async open(url: string): Promise<TextPeer> {
    const socket = new WebSocket(url);
    await once(socket, 'open');
    return new TextPeer(socket);
  }

  send(message: object): void {
    this.socket.send(JSON.stringify(message));
  }

  /** Frames received from now until (and including) the response for `id`. */
  async until(id: string | number): Promise<string[]> {
    const start = this.frames.length;
    for (;;) {
      const answered = this.frames.slice(start).findIndex((frame) => isResponseTo(frame, id));
      if (answered >= 0) return this.frames.splice(start, answered + 1);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async exchange(message: Record<string, unknown> & { id: string | number }): Promise<string[]> {
    const answer = this.until(message.id);
    this.send(message);
    return answer;
  }

  /** Frames that arrived and were not claimed by `until` (nothing is expected after a cancellation). */
  pending(): string[] {
    return [...this.frames];
  }

  async initialize(): Promise<void> {
    await this.exchange({
      jsonrpc: '2.0',
      id: 'init',
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fast-path-e2e', version: '0' } },
    });
    this.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  }

  close(): void {
    this.socket.close();
  }
}

function isResponseTo(frame: string, id: string | number): boolean {
  const message = JSON.parse(frame) as { id?: unknown; method?: unknown };
  return message.method === undefined && message.id === id;
}

type Params = CallParams;

/** Starts `test_wait_for_abort` on each path (ids: fast, SDK; keys `<key>-fast`, `<key>-sdk`) and waits until both run. */
async function startWaitingPair(peer: TextPeer, [fastId, sdkId]: [number, number], key: string): Promise<void> {
  peer.send({
    jsonrpc: '2.0',
    id: fastId,
    method: 'tools/call',
    params: { name: 'test_wait_for_abort', arguments: { key: `${key}-fast` } },
  });
  peer.send({
    jsonrpc: '2.0',
    id: sdkId,
    method: 'tools/call',
    params: viaSdk({ name: 'test_wait_for_abort', arguments: { key: `${key}-sdk` } }),
  });
  await Promise.all([abortProbe.started(`${key}-fast`), abortProbe.started(`${key}-sdk`)]);
}

/** The same request in the SDK's hands: an extra `_meta` key takes it off the fast path. */
function viaSdk(params: Params | undefined): Params {
  return { ...params, _meta: { ...params?._meta, 'x-route': 'sdk' } };
}

describe('/ws fast path answers byte for byte as the SDK (e2e)', () => {
  let server: TestServer;
  let peer: TextPeer;

  beforeAll(async () => {
    server = await startTestServer({ env: { MAX_IN_FLIGHT_PER_SESSION: '2' }, imports: [FixtureToolsModule, AbortProbeModule] });
    peer = await TextPeer.open(server.wsUrl);
    await peer.initialize();
  });

  afterAll(async () => {
    peer?.close();
    await server?.close();
  });

  /** Both paths' frames for one request, same id. */
  async function both(id: number, method: string, params?: Params): Promise<{ fast: string[]; sdk: string[] }> {
    const fast = await peer.exchange({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
    const sdk = await peer.exchange({ jsonrpc: '2.0', id, method, params: viaSdk(params) });
    return { fast, sdk };
  }

  it('ping', async () => {
    const { fast, sdk } = await both(1, 'ping');
    expect(fast).toEqual(['{"result":{},"jsonrpc":"2.0","id":1}']);
    expect(fast).toEqual(sdk);
  });

  it('tools/list (the SDK answers the variant that carries _meta)', async () => {
    const { fast, sdk } = await both(2, 'tools/list');
    expect(JSON.parse(fast[0]).result.tools.map((tool: { name: string }) => tool.name)).toContain('test_echo');
    expect(fast).toEqual(sdk);
  });

  it.each(FAST_PATH_CALL_CASES)('tools/call: %s', async (_name, params) => {
    const { fast, sdk } = await both(3, 'tools/call', params);
    expect(fast).toHaveLength(1);
    expect(fast).toEqual(sdk);
  });

  it('tools/call: progress notifications, then the response, in the same frames and order', async () => {
    const params = { name: 'test_slow', arguments: { ms: 20, steps: 3 }, _meta: { progressToken: 'p1' } };
    const { fast, sdk } = await both(4, 'tools/call', params);
    expect(fast.map((frame) => JSON.parse(frame).method ?? 'response')).toEqual([
      'notifications/progress',
      'notifications/progress',
      'notifications/progress',
      'response',
    ]);
    expect(fast).toEqual(sdk);
  });

  it('tools/call over the per-session cap: the same "busy" tool error', async () => {
    const blockers = ['busy-a', 'busy-b'].map((key, index) => {
      const id = 100 + index;
      peer.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'test_wait_for_abort', arguments: { key } } });
      return { key, id };
    });
    await Promise.all(blockers.map(({ key }) => abortProbe.started(key)));
    const { fast, sdk } = await both(5, 'tools/call', { name: 'test_echo', arguments: { message: 'over the cap' } });
    expect(JSON.parse(fast[0]).result.content[0].text).toMatch(/^Busy: this session already runs 2 tool calls/);
    expect(fast).toEqual(sdk);
    for (const { id } of blockers)
      peer.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'done' } });
    await Promise.all(blockers.map(({ key }) => abortProbe.aborted(key)));
  });

  it('notifications/cancelled aborts a call either path runs, with the reason, and neither answers it', async () => {
    await startWaitingPair(peer, [6, 7], 'cancel');
    peer.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 6, reason: 'user stop' } });
    peer.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'user stop' } });
    expect(await abortProbe.aborted('cancel-fast')).toBe('user stop');
    expect(await abortProbe.aborted('cancel-sdk')).toBe('user stop');
    // A later answer proves the connection moved on; nothing was written for the cancelled ids.
    await peer.exchange({ jsonrpc: '2.0', id: 8, method: 'ping' });
    expect(peer.pending().filter((frame) => isResponseTo(frame, 6) || isResponseTo(frame, 7))).toEqual([]);
  });

  it('closing the socket aborts the calls of both paths alike', async () => {
    const other = await TextPeer.open(server.wsUrl);
    await other.initialize();
    await startWaitingPair(other, [1, 2], 'close');
    other.close();
    const [fast, sdk] = await Promise.all([abortProbe.aborted('close-fast'), abortProbe.aborted('close-sdk')]);
    expect(fast).toMatch(/Connection closed/);
    expect(fast).toBe(sdk);
  });

  it('leaves odd shapes to the SDK, which answers them as before', async () => {
    const cursor = await peer.exchange({ jsonrpc: '2.0', id: 9, method: 'tools/list', params: { cursor: 'next' } });
    expect(JSON.parse(cursor[0])).toMatchObject({
      id: 9,
      error: { code: -32602, message: 'Invalid cursor: tools/list has a single page' },
    });
    const noName = await peer.exchange({ jsonrpc: '2.0', id: 10, method: 'tools/call', params: { arguments: {} } });
    expect(JSON.parse(noName[0])).toMatchObject({ id: 10, error: { code: -32602 } });
  });

  it('a session that has not initialized is served by the SDK alone, with the same answers', async () => {
    const fresh = await TextPeer.open(server.wsUrl);
    const before = await fresh.exchange({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'test_echo', arguments: { message: 'x' } },
    });
    await fresh.initialize();
    const after = await fresh.exchange({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'test_echo', arguments: { message: 'x' } },
    });
    expect(after).toEqual(before);
    fresh.close();
  });
});

describe('/ws fast path at the drain deadline (e2e)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { SHUTDOWN_GRACE_MS: '200' }, imports: [FixtureToolsModule, AbortProbeModule] });
  });

  afterAll(async () => {
    await server?.close();
  });

  // The fast path lends its call's controller to the in-flight tracker, so the drain's abort fires it:
  // unlike a cancellation or the close, that abort must still be answered, exactly as the SDK answers it.
  it('answers calls of both paths aborted at the deadline, with the same frame', async () => {
    const peer = await TextPeer.open(server.wsUrl);
    await peer.initialize();
    const fast = peer.until(1);
    const sdk = peer.until(2);
    await startWaitingPair(peer, [1, 2], 'drain');
    await server.app.get(GracefulShutdown).drain();
    const [fastFrames, sdkFrames] = await Promise.all([fast, sdk]);
    expect(JSON.parse(fastFrames[0]).result).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('grace period') }] });
    expect(fastFrames[0]).toBe(sdkFrames[0].replace('"id":2', '"id":1'));
    peer.close();
  });
});
