import { Logger } from '@nestjs/common';
import type { JSONRPCMessage, JSONRPCNotification, JSONRPCRequest, RequestId, Server, Transport } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { McpEra as Era } from '../mcp-server.factory.js';
import type { WebSocketServerTransport } from './websocket-server.transport.js';

const logger = new Logger('McpServer');

export interface SdkConnectionOptions {
  /** Builds the Server the SDK pins for the connection, in the era the opening chose. */
  serverFor(era: Era): Server;
  /** Told each time a 2025-era `initialize` has been answered with success: the session is established. */
  established?(): void;
  /** Whether the SDK's objects may be released while the session is idle (off while tracing: a replay would open spans). */
  releasable: boolean;
  /**
   * How long a rebuilt Server is kept at least: a client whose requests keep needing the SDK would
   * otherwise have it rebuilt for each of them. The first release, after the opening, is immediate.
   */
  keepRebuiltMs: number;
}

/**
 * The SDK's serving of one /ws connection (`serveStdio`: the era chosen by the opening message,
 * one Server pinned for the connection), built on demand.
 *
 * Why: an idle initialized 2025-era session used to hold ~11 KB of heap in the SDK's objects
 * (the Server with its 10 Maps, ~33 closures and their contexts, serveStdio's entry state), most
 * of the ~14 KB of heap and the ~29 KB of RSS a session cost (docs/performance.md, "Idle
 * sessions"). Once a 2025-era session has finished its opening (initialize answered,
 * notifications/initialized received) and the SDK runs nothing for it, those objects are
 * released: the /ws fast path answers the common requests without them. A message only the SDK
 * answers rebuilds them by replaying the recorded `initialize` (its answer withheld from the
 * client) and `notifications/initialized`, then delivers the message. That yields a Server in
 * the same state, because a 2025-era Server of ours keeps no other state of its session: it
 * declares only tools (no logging level, subscriptions or tasks to remember) and sends the client
 * no requests of its own. Nothing is released while a request the SDK runs is unanswered.
 */
export class SdkConnection {
  private current?: SdkWire;
  /** The era the current Server was pinned in. */
  private era?: Era;
  /** `initialize` requests the SDK has not answered yet, serialized, by id (rare: allocated on demand). */
  private initializing?: Map<RequestId, string>;
  /** The last `initialize` the SDK answered with success in the 2025 era, serialized: what a rebuild replays. */
  private opening?: string;
  private openingDone = false;
  /** Requests delivered to the current Server and not yet answered by it (none kept while released). */
  private unanswered?: Set<RequestId>;
  /** While a rebuild replays the opening: the replayed request's id and the messages held until it is answered. */
  private replay?: { id: RequestId; held: JSONRPCMessage[] };
  private releaseQueued = false;
  private rebuilt = false;
  private closed = false;

  constructor(
    private readonly transport: WebSocketServerTransport,
    private readonly options: SdkConnectionOptions,
  ) {
    transport.onmessage = (message) => this.receive(message);
    // serveStdio's wire handler reports the error (to `log`) and tells the Server.
    transport.onerror = (error) => (this.current?.onerror ? this.current.onerror(error) : this.log(error));
    transport.onclose = () => this.close();
  }

  /** Starts listening on the socket and builds the SDK's serving for the opening message. */
  start(): void {
    this.current = this.build();
    void this.transport.start();
  }

  private receive(message: JSONRPCMessage): void {
    if (this.replay) {
      this.replay.held.push(message);
      return;
    }
    if (!this.current) {
      // Released means no request of the SDK's runs: a cancellation can name none of them, and a
      // repeated notifications/initialized changes nothing. Neither is worth a rebuild.
      if (isNotification(message, 'notifications/cancelled') || isNotification(message, 'notifications/initialized')) return;
      this.rebuild(message);
      return;
    }
    this.deliver(message);
  }

  private deliver(message: JSONRPCMessage): void {
    const wire = this.current!;
    if (isRequest(message)) {
      (this.unanswered ??= new Set()).add(message.id);
      if (message.method === 'initialize') (this.initializing ??= new Map()).set(message.id, JSON.stringify(message));
    } else if (isNotification(message, 'notifications/cancelled')) {
      // The SDK answers no cancelled request: the cancellation settles it.
      const requestId = message.params?.requestId as RequestId | undefined;
      if (requestId !== undefined) this.unanswered?.delete(requestId);
    } else if (isNotification(message, 'notifications/initialized') && this.opening !== undefined) {
      this.openingDone = true;
    }
    wire.onmessage?.(message);
    this.releaseWhenIdle();
  }

  /** What the SDK writes: to the socket, apart from the answer to a replayed opening. */
  async sendFrom(wire: SdkWire, message: JSONRPCMessage): Promise<void> {
    // A released Server was idle; closing it aborted nothing that could still answer.
    if (wire !== this.current) return;
    const id = responseIdOf(message);
    if (id !== undefined) {
      if (this.replay?.id === id) return this.replayed(message);
      this.unanswered?.delete(id);
      this.noteInitializeAnswer(id, message);
    }
    await this.transport.send(message);
    this.releaseWhenIdle();
  }

  private noteInitializeAnswer(id: RequestId, message: JSONRPCMessage): void {
    const request = this.initializing?.get(id);
    if (request === undefined) return;
    this.initializing!.delete(id);
    if (this.initializing!.size === 0) this.initializing = undefined;
    const result = 'result' in message ? (message.result as { protocolVersion?: unknown }) : undefined;
    if (this.era !== 'legacy' || typeof result?.protocolVersion !== 'string') return;
    this.opening = request;
    this.options.established?.();
  }

  /**
   * Released once the opening is done and the Server owes no answer; one macrotask later, so the
   * Server has finished handling what it was just given before it is closed.
   */
  private releaseWhenIdle(): void {
    if (!this.options.releasable || this.releaseQueued || !this.isIdle()) return;
    this.releaseQueued = true;
    const check = (): void => {
      this.releaseQueued = false;
      if (this.isIdle()) this.release();
    };
    if (this.rebuilt) setTimeout(check, this.options.keepRebuiltMs).unref();
    else setImmediate(check);
  }

  private isIdle(): boolean {
    return this.current !== undefined && this.openingDone && !this.unanswered?.size && this.initializing === undefined && !this.closed;
  }

  private release(): void {
    const wire = this.current!;
    this.current = undefined;
    this.unanswered = undefined;
    wire.released = true;
    wire.handle?.close().catch((error: unknown) => this.log(error));
  }

  /** Rebuilds the Server by replaying the opening, holding `first` (and what follows) until that is done. */
  private rebuild(first: JSONRPCMessage): void {
    const initialize = JSON.parse(this.opening!) as JSONRPCRequest;
    this.replay = { id: initialize.id, held: [first] };
    this.rebuilt = true;
    this.current = this.build();
    this.current.onmessage?.(initialize);
  }

  private replayed(answer: JSONRPCMessage): void {
    // Unreachable with the SDK's deterministic initialize; logged, and the held messages still go to the SDK.
    if ('error' in answer) logger.warn(`ws: replaying a session's initialize failed: ${JSON.stringify(answer.error)}`);
    this.current!.onmessage?.({ jsonrpc: '2.0', method: 'notifications/initialized' });
    // Delivered after the SDK's send returns, so a held request never runs inside it; messages
    // arriving meanwhile are still held, behind these. A socket closed meanwhile delivers nothing.
    const replay = this.replay!;
    queueMicrotask(() => {
      if (this.replay !== replay) return;
      this.replay = undefined;
      for (const message of replay.held) if (!this.closed) this.deliver(message);
    });
  }

  private build(): SdkWire {
    const wire = new SdkWire(this);
    wire.handle = serveStdio(
      ({ era }) => {
        this.era = era;
        return this.options.serverFor(era);
      },
      { transport: wire, onerror: (error) => this.log(error) },
    );
    return wire;
  }

  /** The socket closed: the current Server (if any) is closed with it, which aborts what it runs. */
  private close(): void {
    this.closed = true;
    this.replay = undefined;
    this.current?.onclose?.();
  }

  /** The SDK closed the connection itself (not a release): the socket goes with it. */
  closeFrom(wire: SdkWire): Promise<void> {
    return wire.released ? Promise.resolve() : this.transport.close();
  }

  private log(error: unknown): void {
    logger.debug(`ws: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The transport one SDK incarnation is served on: the socket's, as long as that incarnation is current. */
class SdkWire implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  handle?: { close(): Promise<void> };
  released = false;

  constructor(private readonly connection: SdkConnection) {}

  /** The socket's listeners are started once, by the connection. */
  async start(): Promise<void> {}

  /** Per-message send options (related request, resumption) mean nothing on a WebSocket: one socket carries all. */
  send(message: JSONRPCMessage): Promise<void> {
    return this.connection.sendFrom(this, message);
  }

  close(): Promise<void> {
    return this.connection.closeFrom(this);
  }
}

function isRequest(message: JSONRPCMessage): message is JSONRPCRequest {
  return 'method' in message && 'id' in message;
}

function isNotification(message: JSONRPCMessage, method: string): message is JSONRPCNotification {
  return 'method' in message && !('id' in message) && message.method === method;
}

function responseIdOf(message: JSONRPCMessage): RequestId | undefined {
  return !('method' in message) && 'id' in message && ('result' in message || 'error' in message) ? (message.id as RequestId) : undefined;
}
