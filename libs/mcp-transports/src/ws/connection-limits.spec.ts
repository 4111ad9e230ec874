import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadAppConfig } from '#config';
import { WebSocket, WebSocketServer } from 'ws';
import { WsConnectionLimits, type SessionFlow } from './connection-limits.js';
import { heldBytes } from './held-bytes.js';

/** Real sockets on 127.0.0.1; the server ends are tracked by one WsConnectionLimits on a test clock. */
async function harness(env: Record<string, string>) {
  const clock = { now: 1_000_000 };
  const limits = new WsConnectionLimits(loadAppConfig(env).limits, () => clock.now);
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const open: WebSocket[] = [];
  const connect = async () => {
    const accepted = once(wss, 'connection');
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    client.on('error', () => undefined);
    open.push(client);
    const [server, request] = (await accepted) as [WebSocket, IncomingMessage];
    const flow: SessionFlow = limits.track(server, request.socket);
    await once(client, 'open');
    const closed = once(client, 'close').then(([code]) => code as number);
    const serverClosed = once(server, 'close');
    /** Resolves once the server's receiver holds `bytes` of an unfinished message. */
    const serverRead = async (bytes: number) => {
      while (heldBytes(server) < bytes) await once(request.socket, 'data');
    };
    return { client, server, flow, closed, serverClosed, serverRead };
  };
  const close = async () => {
    limits.stop();
    open.forEach((client) => client.terminate());
    await new Promise((resolve) => wss.close(resolve));
  };
  return { clock, limits, connect, close };
}

describe('WsConnectionLimits idle accounting', () => {
  it('keeps a session with a pending request open, even after a cancel for an unknown id', async () => {
    const h = await harness({ WS_IDLE_TIMEOUT_MS: '1000' });
    try {
      const session = await h.connect();
      session.flow.received({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'slow' } });
      session.flow.received({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'unknown' } });
      h.clock.now += 5_000;
      h.limits.sweep();
      expect(session.server.readyState).toBe(WebSocket.OPEN);
      // Its answer ends the pending request: from then on silence counts as idle.
      session.flow.sent({ jsonrpc: '2.0', id: 7, result: { content: [] } });
      h.clock.now += 5_000;
      h.limits.sweep();
      expect(await session.closed).toBe(1000);
    } finally {
      await h.close();
    }
  });

  it('ends a pending request on a cancellation naming it', async () => {
    const h = await harness({ WS_IDLE_TIMEOUT_MS: '1000' });
    try {
      const session = await h.connect();
      session.flow.received({ jsonrpc: '2.0', id: 'a', method: 'tools/call', params: { name: 'slow' } });
      session.flow.received({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'a' } });
      h.clock.now += 5_000;
      h.limits.sweep();
      expect(await session.closed).toBe(1000);
    } finally {
      await h.close();
    }
  });
});

describe('WsConnectionLimits per-session cost', () => {
  // Thousands of idle sessions each pay for what track() allocates (docs/performance.md, idle sessions).
  it('gives every socket the same message and close listeners, and forgets a socket once it closed', async () => {
    const h = await harness({});
    try {
      const [first, second] = [await h.connect(), await h.connect()];
      // The harness adds its own per-socket 'close' listener: compare what the two sockets share.
      const shared = (event: string) =>
        first.server.listeners(event).filter((listener) => second.server.listeners(event).includes(listener));
      expect(shared('message')).toHaveLength(1);
      expect(shared('close')).toHaveLength(1);
      expect(h.limits.openConnections).toBe(2);
      first.client.close();
      await first.serverClosed;
      expect(h.limits.openConnections).toBe(1);
    } finally {
      await h.close();
    }
  });
});

describe('WsConnectionLimits unfinished messages', () => {
  it('reads what the ws receiver holds of an unfinished message (pins the ws internals it relies on)', async () => {
    const h = await harness({});
    try {
      const session = await h.connect();
      session.client.send(Buffer.alloc(10_000, 0x20), { fin: false, binary: false });
      await session.serverRead(10_000);
      expect(heldBytes(session.server)).toBe(10_000);
      expect(h.limits.partialMessageBytes).toBe(10_000);
      session.client.send('{}', { fin: true });
      await once(session.server, 'message');
      await new Promise((resolve) => setImmediate(resolve));
      expect(heldBytes(session.server)).toBe(0);
      expect(h.limits.partialMessageBytes).toBe(0);
    } finally {
      await h.close();
    }
  });

  it('closes a connection whose message stays unfinished past WS_PARTIAL_MESSAGE_TIMEOUT_MS, freeing what it held', async () => {
    const h = await harness({ WS_PARTIAL_MESSAGE_TIMEOUT_MS: '2000', WS_IDLE_TIMEOUT_MS: '0' });
    try {
      const session = await h.connect();
      session.client.send(Buffer.alloc(1000, 0x20), { fin: false, binary: false });
      await session.serverRead(1000);
      h.clock.now += 1_999;
      h.limits.sweep();
      expect(session.server.readyState).toBe(WebSocket.OPEN);
      h.clock.now += 1;
      h.limits.sweep();
      expect(await session.closed).toBe(1008);
      await session.serverClosed;
      expect(h.limits.partialMessageBytes).toBe(0);
    } finally {
      await h.close();
    }
  });

  it('closes the connection that pushes unfinished data past WS_MAX_PARTIAL_MESSAGE_BYTES; the others keep theirs', async () => {
    const h = await harness({ WS_MAX_PARTIAL_MESSAGE_BYTES: String(64 * 1024) });
    try {
      const first = await h.connect();
      const second = await h.connect();
      first.client.send(Buffer.alloc(40_000, 0x20), { fin: false, binary: false });
      await first.serverRead(40_000);
      second.client.send(Buffer.alloc(40_000, 0x20), { fin: false, binary: false });
      expect(await second.closed).toBe(1013);
      expect(first.server.readyState).toBe(WebSocket.OPEN);
      expect(h.limits.partialMessageBytes).toBe(40_000);
    } finally {
      await h.close();
    }
  });
});
