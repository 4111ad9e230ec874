import { LATEST_PROTOCOL_VERSION, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { OpenSocket, SocketEvents, SocketOpener } from '../socket-opener.js';

type SentRequest = { id: number | string; method: string; params?: Record<string, unknown> };

/**
 * For unit specs: the far end of the client's sockets, driven step by step by the test, for
 * what the real server cannot be made to do on cue (paginate, drop mid-request, deliver frames
 * in one network read). Every open() the client makes becomes one ScriptedConnection.
 */
export class ScriptedPeer {
  readonly connections: ScriptedConnection[] = [];
  private readonly waiters: Array<() => void> = [];

  readonly opener: SocketOpener = async (_target, events) => {
    const connection = new ScriptedConnection(events);
    this.connections.push(connection);
    this.waiters.splice(0).forEach((wake) => wake());
    return connection.socket;
  };

  /** The `index`-th connection the client opened (0-based), once it exists. */
  async connection(index: number): Promise<ScriptedConnection> {
    while (!this.connections[index]) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.connections[index]!;
  }
}

export class ScriptedConnection {
  readonly sent: JSONRPCMessage[] = [];
  private readonly taken = new Set<number | string>();
  private readonly waiters: Array<() => void> = [];

  readonly socket: OpenSocket = {
    send: async (text) => {
      this.sent.push(JSON.parse(text) as JSONRPCMessage);
      this.waiters.splice(0).forEach((wake) => wake());
    },
    close: () => undefined,
  };

  constructor(private readonly events: SocketEvents) {}

  /** Delivers frames in one tick, as `ws` does for frames that arrived in one network read. */
  deliverTogether(...messages: object[]): void {
    for (const message of messages) this.events.message(JSON.stringify({ jsonrpc: '2.0', ...message }));
  }

  /** The connection ends from the far side (1006: cut without a close frame). */
  drop(code = 1006): void {
    this.events.close(code, '');
  }

  /** The next request with `method` (or any of `methods`) the client sent and the test has not taken yet. */
  async request(...methods: string[]): Promise<SentRequest> {
    for (;;) {
      const found = this.sent.find(
        (message): message is JSONRPCMessage & SentRequest =>
          'method' in message && methods.includes(message.method) && 'id' in message && !this.taken.has(message.id),
      );
      if (found) {
        this.taken.add(found.id);
        return found;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async answer(method: string, result: object): Promise<SentRequest> {
    const request = await this.request(method);
    this.deliverTogether({ id: request.id, result });
    return request;
  }

  /** Answers as a 2025-era server: a `server/discover` probe (auto mode) is method-not-found, then initialize. */
  async answerInitialize(): Promise<SentRequest> {
    const first = await this.request('server/discover', 'initialize');
    if (first.method === 'initialize') {
      this.taken.delete(first.id);
    } else {
      this.deliverTogether({ id: first.id, error: { code: -32601, message: 'Method not found' } });
    }
    return this.answer('initialize', {
      protocolVersion: LATEST_PROTOCOL_VERSION,
      capabilities: { tools: {} },
      serverInfo: { name: 'scripted', version: '1' },
    });
  }
}
