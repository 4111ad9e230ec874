import { Server } from '@modelcontextprotocol/server';
import { WebSocket } from 'ws';
import { webSocketPair } from '../../../../test/support/ws-socket-pair.js';
import type { McpEra as Era } from '../mcp-server.factory.js';
import { SdkConnection } from './sdk-connection.js';
import { WebSocketServerTransport } from './websocket-server.transport.js';

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'spec', version: '1' } },
};
const INITIALIZED = { jsonrpc: '2.0', method: 'notifications/initialized' };
const DISCOVER = {
  jsonrpc: '2.0',
  id: 0,
  method: 'server/discover',
  params: {
    _meta: {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
      'io.modelcontextprotocol/clientInfo': { name: 'spec', version: '1' },
    },
  },
};

/**
 * A real socket pair on 127.0.0.1 served by SdkConnection with real SDK Servers: one tool, `hold`,
 * that answers only when the test lets it. Records each Server built and closed, in order.
 */
async function servedPair(options: { releasable?: boolean; keepRebuiltMs?: number } = {}) {
  const { server: wss, serverSocket: socket, client } = await webSocketPair();
  const events: string[] = [];
  const eras: Era[] = [];
  const held: Array<() => void> = [];
  let onEvent = (): void => undefined;
  const record = (event: string): void => {
    events.push(event);
    onEvent();
  };
  const serverFor = (era: Era): Server => {
    eras.push(era);
    const index = eras.length;
    const server = new Server({ name: 'spec', version: '1' }, { capabilities: { tools: {} } });
    server.setRequestHandler('tools/list', () => ({ tools: [{ name: 'hold', inputSchema: { type: 'object' } }] }));
    server.setRequestHandler(
      'tools/call',
      () =>
        new Promise((resolve) => {
          held.push(() => resolve({ content: [{ type: 'text', text: 'done' }] }));
          record('held');
        }),
    );
    server.onclose = () => record(`closed ${index}`);
    return server;
  };
  let established = 0;
  new SdkConnection(new WebSocketServerTransport(socket), {
    serverFor,
    established: () => established++,
    releasable: options.releasable ?? true,
    keepRebuiltMs: options.keepRebuiltMs ?? 0,
  }).start();
  const frames: Array<Record<string, unknown>> = [];
  client.on('message', (data) => {
    frames.push(JSON.parse(data.toString()));
    record('frame');
  });
  /** Resolves once `predicate` holds for what has happened so far. */
  const until = (predicate: () => boolean) =>
    new Promise<void>((resolve) => {
      onEvent = () => predicate() && resolve();
      onEvent();
    });
  const send = (message: object) => client.send(JSON.stringify(message));
  /** Sends a request and resolves with the first frame answering its id. */
  const request = async (message: { id: number | string; [key: string]: unknown }) => {
    const from = frames.length;
    send(message);
    await until(() => frames.slice(from).some((frame) => frame.id === message.id));
    return frames.slice(from).find((frame) => frame.id === message.id)!;
  };
  const close = async () => {
    if (client.readyState === WebSocket.OPEN) client.terminate();
    await new Promise((resolve) => wss.close(resolve));
  };
  return { client, send, request, until, frames, events, eras, held, close, established: () => established };
}

describe('SdkConnection: the SDK objects of an idle 2025 session are released and rebuilt on demand', () => {
  let pair: Awaited<ReturnType<typeof servedPair>>;

  afterEach(() => pair.close());

  const open = async () => {
    const answer = await pair.request(INITIALIZE);
    pair.send(INITIALIZED);
    return answer;
  };

  it('releases the Server once the opening is done, and tells the session it is established', async () => {
    pair = await servedPair();
    const answer = await open();
    expect((answer.result as { protocolVersion: string }).protocolVersion).toBe('2025-06-18');
    await pair.until(() => pair.events.includes('closed 1'));
    expect(pair.established()).toBe(1);
    expect(pair.eras).toEqual(['legacy']);
  });

  it('rebuilds it by replaying the opening: the same answers, and the replayed initialize is never written to the client', async () => {
    pair = await servedPair();
    await pair.request(INITIALIZE);
    const before = await pair.request({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    pair.send(INITIALIZED);
    await pair.until(() => pair.events.includes('closed 1'));
    const framesBefore = pair.frames.length;

    const after = await pair.request({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(after).toEqual(before);
    expect(pair.eras).toEqual(['legacy', 'legacy']);
    // The next request's answer is the next frame: nothing (no initialize result) was written in between.
    await pair.request({ jsonrpc: '2.0', id: 2, method: 'ping' });
    expect(pair.frames.slice(framesBefore).map((frame) => frame.id)).toEqual([1, 2]);
    expect(pair.established()).toBe(1);
  });

  it('keeps the Server while a request it runs is unanswered, so the answer is never lost', async () => {
    pair = await servedPair();
    await pair.request(INITIALIZE);
    pair.send({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'hold', arguments: {} } });
    pair.send(INITIALIZED);
    await pair.until(() => pair.held.length === 1);
    // A release is decided one macrotask after the last message: let that turn pass with the call still running.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    // Still built: the notification completed the opening, but an answer is owed.
    expect(pair.events).not.toContain('closed 1');
    pair.held[0]();
    // Released only after the call was answered: a Server closed earlier would have aborted it, unanswered.
    await pair.until(() => pair.events.includes('closed 1') && pair.frames.some((frame) => frame.id === 7));
    expect(pair.frames.find((frame) => frame.id === 7)).toMatchObject({ result: { content: [{ type: 'text', text: 'done' }] } });
  });

  it('does not rebuild for a cancellation or a repeated notifications/initialized while released', async () => {
    pair = await servedPair();
    await open();
    await pair.until(() => pair.events.includes('closed 1'));
    pair.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 3 } });
    pair.send(INITIALIZED);
    await pair.request({ jsonrpc: '2.0', id: 4, method: 'ping' });
    // Only the ping, sent last, rebuilt the Server.
    expect(pair.eras).toEqual(['legacy', 'legacy']);
  });

  it('closes a rebuilt Server when the socket closes during or right after its replay', async () => {
    pair = await servedPair();
    await open();
    await pair.until(() => pair.events.includes('closed 1'));
    pair.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'hold', arguments: {} } });
    pair.client.terminate();
    await pair.until(() => pair.events.includes('closed 2'));
    expect(pair.eras).toEqual(['legacy', 'legacy']);
  });

  it('keeps a rebuilt Server for keepRebuiltMs before it may be released again', async () => {
    pair = await servedPair({ keepRebuiltMs: 60_000 });
    await open();
    await pair.until(() => pair.events.includes('closed 1'));
    await pair.request({ jsonrpc: '2.0', id: 1, method: 'ping' });
    await pair.request({ jsonrpc: '2.0', id: 2, method: 'ping' });
    expect(pair.eras).toEqual(['legacy', 'legacy']);
    expect(pair.events).not.toContain('closed 2');
  });

  it('never releases a 2026-07-28 connection (its Server holds the pinned era)', async () => {
    pair = await servedPair();
    await pair.request(DISCOVER);
    await pair.request({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: DISCOVER.params._meta } });
    await new Promise((resolve) => setImmediate(resolve));
    expect(pair.eras).toEqual(['modern']);
    expect(pair.events).not.toContain('closed 1');
    expect(pair.established()).toBe(0);
  });

  it('never releases when not releasable (tracing on)', async () => {
    pair = await servedPair({ releasable: false });
    await open();
    await pair.request({ jsonrpc: '2.0', id: 1, method: 'ping' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(pair.events).not.toContain('closed 1');
    expect(pair.established()).toBe(1);
  });
});
