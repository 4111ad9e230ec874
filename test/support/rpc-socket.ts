import WebSocket from 'ws';

export type RpcMessage = Record<string, any>;

/**
 * A raw `ws` client for robustness tests: sends any frame, keeps every message the server sends,
 * and uses a `ping` sentinel to prove the connection still answers after whatever came before.
 */
export class RpcSocket {
  readonly received: RpcMessage[] = [];
  closeCode?: number;
  private waiters: (() => void)[] = [];
  private nextSentinel = 0;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.received.push(JSON.parse(data.toString()) as RpcMessage);
      this.notify();
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      this.notify();
    });
    socket.on('error', () => undefined);
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<RpcSocket> {
    const socket = new WebSocket(url, 'mcp', { headers });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const client = new RpcSocket(socket);
    await client.request({
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'robustness-test', version: '1' } },
    });
    client.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return client;
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  sendRaw(frame: string | Buffer, binary = false): void {
    this.socket.send(frame, { binary });
  }

  /** Sends a request with a fresh string id and resolves with its reply. */
  async request(body: { method: string; params?: unknown }, timeoutMs = 10_000): Promise<RpcMessage> {
    const id = `req-${++this.nextSentinel}`;
    this.send({ jsonrpc: '2.0', id, ...body });
    return this.replyTo(id, timeoutMs);
  }

  /** Resolves with the reply carrying `id`, removing it from `received`. */
  async replyTo(id: string | number, timeoutMs = 10_000): Promise<RpcMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.received.findIndex((message) => message.id === id && !('method' in message));
      if (index >= 0) return this.received.splice(index, 1)[0];
      if (this.closeCode !== undefined) throw new Error(`connection closed (${this.closeCode}) before the reply to ${id}`);
      if (Date.now() > deadline) throw new Error(`no reply to ${id} within ${timeoutMs} ms`);
      await this.changed(deadline - Date.now());
    }
  }

  /** Proves the connection still works: a ping answered after everything sent before it. */
  async sentinel(timeoutMs = 10_000): Promise<void> {
    const reply = await this.request({ method: 'ping' }, timeoutMs);
    if (!('result' in reply)) throw new Error(`ping answered with ${JSON.stringify(reply)}`);
  }

  /** Takes every message received so far. */
  drain(): RpcMessage[] {
    return this.received.splice(0, this.received.length);
  }

  close(): void {
    this.socket.close(1000);
  }

  private changed(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(1, timeoutMs));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}

/** A JSON-RPC 2.0 message as the server may send it: a response with result xor error, or a notification. */
export function isWellFormedServerMessage(message: RpcMessage): boolean {
  if (message?.jsonrpc !== '2.0') return false;
  if (typeof message.method === 'string') return !('id' in message) || typeof message.id === 'string' || typeof message.id === 'number';
  const validId = message.id === null || typeof message.id === 'string' || (typeof message.id === 'number' && Number.isFinite(message.id));
  if (!validId) return false;
  if ('result' in message) return !('error' in message) && typeof message.result === 'object' && message.result !== null;
  return Number.isInteger(message.error?.code) && typeof message.error?.message === 'string';
}
