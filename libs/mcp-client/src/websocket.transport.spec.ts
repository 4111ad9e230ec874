import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { ScriptedPeer, type ScriptedConnection } from './testing/scripted-peer.js';
import { WebSocketTransport } from './websocket.transport.js';

async function connectedClient(): Promise<{ client: Client; connection: ScriptedConnection }> {
  const peer = new ScriptedPeer();
  const transport = new WebSocketTransport(
    { url: 'ws://scripted/ws', authToken: undefined, headers: {}, connectTimeoutMs: 1000 },
    peer.opener,
  );
  const client = new Client({ name: 'spec', version: '1' });
  const connecting = client.connect(transport);
  const connection = await peer.connection(0);
  await connection.answerInitialize();
  await connecting;
  return { client, connection };
}

describe('WebSocketTransport delivery order', () => {
  it("hands a tool's last progress notification to the SDK before the result that arrived with it", async () => {
    const { client, connection } = await connectedClient();
    const progress: Progress[] = [];
    const call = client.callTool({ name: 'slow', arguments: {} }, undefined, { onprogress: (update) => progress.push(update) });
    const request = await connection.request('tools/call');

    connection.deliverTogether(
      { method: 'notifications/progress', params: { progressToken: request.id, progress: 1, total: 1 } },
      { id: request.id, result: { content: [{ type: 'text', text: 'done' }] } },
    );

    await expect(call).resolves.toMatchObject({ content: [{ type: 'text', text: 'done' }] });
    expect(progress).toEqual([{ progress: 1, total: 1 }]);
  });

  it('lets a response that arrived just before the close resolve instead of failing as "connection closed"', async () => {
    const { client, connection } = await connectedClient();
    const call = client.listTools();
    const request = await connection.request('tools/list');

    connection.deliverTogether({ id: request.id, result: { tools: [] } });
    connection.drop(1001);

    await expect(call).resolves.toEqual({ tools: [] });
  });

  it('reports a frame that is not JSON-RPC as an error and keeps the connection', async () => {
    const { client, connection } = await connectedClient();
    const errors: Error[] = [];
    client.onerror = (error) => errors.push(error);
    const call = client.listTools();
    const request = await connection.request('tools/list');

    connection.deliverTogether({ id: request.id, nonsense: true }, { id: request.id, result: { tools: [] } });

    await expect(call).resolves.toEqual({ tools: [] });
    expect(errors.map((error) => error.message)).toEqual([expect.stringMatching(/^Ignored a frame that is not a JSON-RPC message/)]);
  });
});
