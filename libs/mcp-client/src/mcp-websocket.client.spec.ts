import { MCPClientError, MCPConnectionError } from './mcp-client.errors.js';
import { MCPWebSocketClient } from './mcp-websocket.client.js';
import { ScriptedPeer, type ScriptedConnection } from './testing/scripted-peer.js';

const tool = (name: string) => ({ name, inputSchema: { type: 'object' } });
/** 1 ms delays: reconnects happen at once; nothing here asserts timing. */
const options = { url: 'ws://scripted/ws', reconnectInterval: 1, maxReconnectInterval: 1 };

async function connected(peer: ScriptedPeer, index: number, connecting?: Promise<void>): Promise<ScriptedConnection> {
  const connection = await peer.connection(index);
  await connection.answerInitialize();
  await connecting;
  return connection;
}

describe('MCPWebSocketClient over a scripted peer', () => {
  let peer: ScriptedPeer;
  let client: MCPWebSocketClient;

  beforeEach(() => {
    peer = new ScriptedPeer();
    client = new MCPWebSocketClient(options, peer.opener);
  });

  afterEach(() => client.disconnect());

  it('listTools follows nextCursor through every page', async () => {
    const connection = await connected(peer, 0, client.connect());
    const listing = client.listTools();

    const first = await connection.answer('tools/list', { tools: [tool('a')], nextCursor: 'page-2' });
    const second = await connection.answer('tools/list', { tools: [tool('b'), tool('c')], nextCursor: 'page-3' });
    const third = await connection.answer('tools/list', { tools: [tool('d')] });

    expect((await listing).map(({ name }) => name)).toEqual(['a', 'b', 'c', 'd']);
    expect([first.params?.cursor, second.params?.cursor, third.params?.cursor]).toEqual([undefined, 'page-2', 'page-3']);
  });

  it('stops when the server hands out the same cursor twice instead of looping forever', async () => {
    const connection = await connected(peer, 0, client.connect());
    const listing = client.listTools();

    await connection.answer('tools/list', { tools: [tool('a')], nextCursor: 'again' });
    await connection.answer('tools/list', { tools: [tool('b')], nextCursor: 'again' });

    await expect(listing).rejects.toThrow(
      new MCPClientError('tools/list returned cursor "again" twice; stopping to avoid an endless loop', false),
    );
  });

  it('retries listTools once on the next connection when the connection drops midway', async () => {
    const first = await connected(peer, 0, client.connect());
    const listing = client.listTools();
    await first.answer('tools/list', { tools: [tool('a')], nextCursor: 'page-2' });
    await first.request('tools/list');
    first.drop();

    const second = await connected(peer, 1);
    const retried = await second.answer('tools/list', { tools: [tool('a'), tool('b')] });

    expect((await listing).map(({ name }) => name)).toEqual(['a', 'b']);
    expect(retried.params?.cursor).toBeUndefined();
  });

  it('gives up on listTools after the one retry, with a retriable error', async () => {
    const first = await connected(peer, 0, client.connect());
    const listing = client.listTools();
    await first.request('tools/list');
    first.drop();
    const second = await connected(peer, 1);
    await second.request('tools/list');
    second.drop();

    await expect(listing).rejects.toMatchObject({ name: 'MCPConnectionError', retriable: true });
  });

  it('does not retry a tool call cut off by a drop: it may have run, so the caller decides', async () => {
    const first = await connected(peer, 0, client.connect());
    const call = client.executeTool('write_something', { value: 1 }).catch((error: unknown) => error);
    await first.request('tools/call');
    first.drop();

    const failure = await call;
    expect(failure).toBeInstanceOf(MCPConnectionError);
    expect((failure as MCPConnectionError).retriable).toBe(true);
    const second = await connected(peer, 1);
    expect(second.sent.filter((message) => 'method' in message && message.method === 'tools/call')).toEqual([]);
  });
});
