import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { LATEST_PROTOCOL_VERSION, type JSONRPCMessage, type Progress } from '@modelcontextprotocol/sdk/types.js';
import type { OpenSocket, SocketEvents, SocketOpener } from './socket-opener.js';
import { WebSocketTransport } from './websocket.transport.js';

/**
 * The socket side of one connection, driven by the test: what the client sent, and a way to
 * deliver frames exactly as `ws` does when several arrive in one network read (same tick).
 */
class ScriptedSocket {
  readonly sent: JSONRPCMessage[] = [];
  private events?: SocketEvents;
  private readonly waiters: Array<() => void> = [];

  readonly opener: SocketOpener = async (_target, events) => {
    this.events = events;
    const socket: OpenSocket = {
      send: async (text) => {
        this.sent.push(JSON.parse(text) as JSONRPCMessage);
        this.waiters.splice(0).forEach((wake) => wake());
      },
      close: () => undefined,
    };
    return socket;
  };

  deliverTogether(...messages: object[]): void {
    for (const message of messages) this.events!.message(JSON.stringify({ jsonrpc: '2.0', ...message }));
  }

  close(code: number): void {
    this.events!.close(code, '');
  }

  async request(method: string): Promise<{ id: number }> {
    for (;;) {
      const found = this.sent.find((message) => 'method' in message && message.method === method && 'id' in message);
      if (found) return found as { id: number };
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

async function connectedClient(socket: ScriptedSocket): Promise<Client> {
  const transport = new WebSocketTransport({ url: 'ws://scripted/ws', authToken: undefined, headers: {}, connectTimeoutMs: 1000 }, socket.opener);
  const client = new Client({ name: 'spec', version: '1' });
  const connecting = client.connect(transport);
  const initialize = await socket.request('initialize');
  socket.deliverTogether({ id: initialize.id, result: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: { tools: {} }, serverInfo: { name: 's', version: '1' } } });
  await connecting;
  return client;
}

describe('WebSocketTransport delivery order', () => {
  it("hands a tool's last progress notification to the SDK before the result that arrived with it", async () => {
    const socket = new ScriptedSocket();
    const client = await connectedClient(socket);
    const progress: Progress[] = [];
    const call = client.callTool({ name: 'slow', arguments: {} }, undefined, { onprogress: (update) => progress.push(update) });
    const request = await socket.request('tools/call');

    socket.deliverTogether(
      { method: 'notifications/progress', params: { progressToken: request.id, progress: 1, total: 1 } },
      { id: request.id, result: { content: [{ type: 'text', text: 'done' }] } },
    );

    await expect(call).resolves.toMatchObject({ content: [{ type: 'text', text: 'done' }] });
    expect(progress).toEqual([{ progress: 1, total: 1 }]);
  });

  it('lets a response that arrived just before the close resolve instead of failing as "connection closed"', async () => {
    const socket = new ScriptedSocket();
    const client = await connectedClient(socket);
    const call = client.listTools();
    const request = await socket.request('tools/list');

    socket.deliverTogether({ id: request.id, result: { tools: [] } });
    socket.close(1001);

    await expect(call).resolves.toEqual({ tools: [] });
  });

  it('reports a frame that is not JSON-RPC as an error and keeps the connection', async () => {
    const socket = new ScriptedSocket();
    const client = await connectedClient(socket);
    const errors: Error[] = [];
    client.onerror = (error) => errors.push(error);
    const call = client.listTools();
    const request = await socket.request('tools/list');

    socket.deliverTogether({ id: request.id, nonsense: true }, { id: request.id, result: { tools: [] } });

    await expect(call).resolves.toEqual({ tools: [] });
    expect(errors.map((error) => error.message)).toEqual([expect.stringMatching(/^Ignored a frame that is not a JSON-RPC message/)]);
  });
});
