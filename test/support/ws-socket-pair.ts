import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

/** A real WebSocket pair on 127.0.0.1: the server's end of the connection and a raw client. */
export async function webSocketPair(): Promise<{ server: WebSocketServer; serverSocket: WebSocket; client: WebSocket }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  await once(client, 'open');
  const [serverSocket] = (await accepted) as [WebSocket];
  return { server, serverSocket, client };
}
