import type { Duplex } from 'node:stream';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/server';
import type { LimitsConfig } from '#config';
import { WebSocket } from 'ws';
import { heldBytes } from './held-bytes.js';

export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_POLICY_VIOLATION = 1008;
export const CLOSE_TRY_AGAIN_LATER = 1013;
/** How long a closing peer gets to answer the close handshake before its socket is destroyed. */
const CLOSE_HANDSHAKE_MS = 3000;

/** What one session's transport reports about the messages it carries. */
export interface SessionFlow {
  received(message: JSONRPCMessage): void;
  sent(message: JSONRPCMessage): void;
}

/**
 * One tracked socket's state, and the flow its transport reports to. An idle server may hold
 * thousands of these, so a session costs this object and one listener closure: the flow's methods
 * are on the prototype, the 'message' and 'close' listeners are shared by every socket (they find
 * the session from the socket they are called on), and `pending` exists only while a request does.
 */
class TrackedSession implements SessionFlow {
  lastActivity: number;
  /**
   * Requests received and not yet answered, by id (a count per id: a client may reuse one). A session
   * waiting on a long call is not idle; only a response or a cancellation naming a pending id ends one,
   * so a cancel for an unknown id cannot make a busy session look idle.
   */
  pending?: Map<string, number>;
  /** Bytes of the unfinished incoming message the ws receiver holds for this socket. */
  partialBytes = 0;
  /** When the receiver started holding an unfinished message (undefined: it holds none). */
  partialSince?: number;
  /** The TCP socket's 'data' listener (it is called on the TCP socket, which does not lead back here). */
  readonly measure = (): void => this.owner.measurePartial(this);

  constructor(
    readonly owner: WsConnectionLimits,
    readonly socket: WebSocket,
    readonly raw: Duplex,
    now: number,
  ) {
    this.lastActivity = now;
  }

  get busy(): boolean {
    return this.pending !== undefined && this.pending.size > 0;
  }

  received(message: JSONRPCMessage): void {
    this.lastActivity = this.owner.clock();
    if ('id' in message && 'method' in message) this.adjust(message.id, +1);
    else if ('method' in message && message.method === 'notifications/cancelled') {
      const requestId = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      if (requestId !== undefined) this.adjust(requestId, -1);
    }
  }

  closed(): void {
    this.owner.forget(this);
  }

  sent(message: JSONRPCMessage): void {
    this.lastActivity = this.owner.clock();
    if ('id' in message && !('method' in message) && message.id !== null) this.adjust(message.id as RequestId, -1);
    this.owner.applyBackpressure(this.socket);
  }

  private adjust(id: RequestId, delta: number): void {
    const key = `${typeof id}:${id}`;
    const count = this.pending?.get(key);
    if (delta < 0 && count === undefined) return;
    const next = (count ?? 0) + delta;
    if (next > 0) (this.pending ??= new Map()).set(key, next);
    else this.pending?.delete(key);
  }
}

/**
 * Keeps the process bounded however clients behave: at most MAX_CONNECTIONS sockets; sessions
 * silent for WS_IDLE_TIMEOUT_MS with no request pending are closed; a client that does not read its replies makes the
 * server stop reading its frames once WS_MAX_BUFFERED_BYTES are queued (so it cannot start more
 * work), and is dropped with 1013 if the queue still reaches twice that. Unfinished incoming messages
 * (a frame or fragments still arriving) are bounded in time (WS_PARTIAL_MESSAGE_TIMEOUT_MS) and in
 * total memory (WS_MAX_PARTIAL_MESSAGE_BYTES); a connection breaking either is closed at once, which
 * frees what it held. Also closes every connection with 1001 when a drain has let the running calls finish.
 */
export class WsConnectionLimits {
  private readonly sessions = new Map<WebSocket, TrackedSession>();
  /** Every socket tracked and not closed yet, including those already dropped from `sessions` (being closed). */
  private readonly tracked = new WeakMap<WebSocket, TrackedSession>();
  private readonly idleSweep?: NodeJS.Timeout;
  private readonly partialSweep: NodeJS.Timeout;
  /** Bytes held in unfinished messages across every connection. */
  private partialTotal = 0;
  private readonly onMessage: (this: WebSocket) => void;
  private readonly onClose: (this: WebSocket) => void;

  constructor(
    private readonly limits: LimitsConfig,
    private readonly now: () => number = Date.now,
  ) {
    const { sessions, tracked } = this;
    // Shared by every socket: `this` is the socket that emitted.
    this.onMessage = function (this: WebSocket) {
      // A completed message restarts the clock even when the same chunk already began the next one.
      const session = sessions.get(this);
      if (session) session.partialSince = undefined;
    };
    this.onClose = function (this: WebSocket) {
      tracked.get(this)?.closed();
    };
    const idleMs = limits.wsIdleTimeoutMs;
    if (idleMs > 0) this.idleSweep = setInterval(() => this.closeIdle(), Math.min(Math.max(idleMs / 4, 50), 30_000)).unref();
    const partialMs = limits.wsPartialMessageTimeoutMs;
    this.partialSweep = setInterval(() => this.closeStalledMessages(), Math.min(Math.max(partialMs / 4, 25), 5_000)).unref();
  }

  /** Bytes held in unfinished incoming messages right now, across every connection. */
  get partialMessageBytes(): number {
    return this.partialTotal;
  }

  get openConnections(): number {
    return this.sessions.size;
  }

  get full(): boolean {
    return this.sessions.size >= this.limits.maxConnections;
  }

  /**
   * Starts tracking `socket`, read from the TCP socket `raw`; its transport reports every message
   * through the returned flow.
   */
  track(socket: WebSocket, raw: Duplex): SessionFlow {
    const session = new TrackedSession(this, socket, raw, this.now());
    this.sessions.set(socket, session);
    this.tracked.set(socket, session);
    // Registered after ws's own 'data' listener, which parses each chunk synchronously: by the time
    // this runs, the receiver holds exactly the unfinished part.
    raw.on('data', session.measure);
    socket.on('message', this.onMessage);
    socket.on('close', this.onClose);
    return session;
  }

  /** The clock, for the sessions. */
  clock(): number {
    return this.now();
  }

  /** Called once by a session when its socket has closed. */
  forget(session: TrackedSession): void {
    this.tracked.delete(session.socket);
    session.raw.off('data', session.measure);
    this.partialTotal -= session.partialBytes;
    session.partialBytes = 0;
    this.sessions.delete(session.socket);
  }

  /** @internal called by a session's TCP 'data' listener. */
  measurePartial(state: TrackedSession): void {
    const { socket } = state;
    // A socket already being closed is no longer counted (evict() released its share).
    if (!this.sessions.has(socket)) return;
    const held = heldBytes(socket);
    this.partialTotal += held - state.partialBytes;
    state.partialBytes = held;
    if (held === 0) state.partialSince = undefined;
    else state.partialSince ??= this.now();
    if (held > 0 && this.partialTotal > this.limits.wsMaxPartialMessageBytes) {
      this.evict(
        socket,
        CLOSE_TRY_AGAIN_LATER,
        `Too much unfinished message data held server-wide (WS_MAX_PARTIAL_MESSAGE_BYTES=${this.limits.wsMaxPartialMessageBytes})`,
      );
    }
  }

  /** Called by a session after each message sent to its socket. */
  applyBackpressure(socket: WebSocket): void {
    const limit = this.limits.wsMaxBufferedBytes;
    if (socket.bufferedAmount <= limit) return;
    if (socket.bufferedAmount > 2 * limit) {
      // Read nothing more from it (no new work); the close frame follows what is queued.
      socket.pause();
      void this.drop(socket, CLOSE_TRY_AGAIN_LATER, 'Client reads too slowly: send buffer full');
    } else if (!socket.isPaused) this.pauseUntilDrained(socket);
  }

  /** Closes every connection with `code` and resolves once all are closed (stragglers are destroyed). */
  async closeAll(code: number, reason: string): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((socket) => this.drop(socket, code, reason)));
  }

  stop(): void {
    clearInterval(this.idleSweep);
    clearInterval(this.partialSweep);
  }

  private pauseUntilDrained(socket: WebSocket): void {
    socket.pause();
    const poll = setInterval(() => {
      if (socket.readyState !== WebSocket.OPEN) return clearInterval(poll);
      if (socket.bufferedAmount > this.limits.wsMaxBufferedBytes / 2) return;
      clearInterval(poll);
      socket.resume();
    }, 20);
    poll.unref();
  }

  /** Closes idle sessions and connections whose unfinished message stalled (the timers run this; tests call it with their clock). */
  sweep(): void {
    this.closeIdle();
    this.closeStalledMessages();
  }

  private closeIdle(): void {
    if (this.limits.wsIdleTimeoutMs === 0) return;
    const cutoff = this.now() - this.limits.wsIdleTimeoutMs;
    for (const [socket, state] of this.sessions) {
      // Bytes of an unfinished message are not activity: only complete messages are.
      if (!state.busy && state.lastActivity < cutoff) void this.drop(socket, 1000, `Idle for more than ${this.limits.wsIdleTimeoutMs} ms`);
    }
  }

  private closeStalledMessages(): void {
    const cutoff = this.now() - this.limits.wsPartialMessageTimeoutMs;
    for (const [socket, state] of this.sessions) {
      if (state.partialSince !== undefined && state.partialSince <= cutoff) {
        this.evict(
          socket,
          CLOSE_POLICY_VIOLATION,
          `Message not completed within ${this.limits.wsPartialMessageTimeoutMs} ms (WS_PARTIAL_MESSAGE_TIMEOUT_MS)`,
        );
      }
    }
  }

  /**
   * Closes a socket that holds memory it should not: the close frame is written, then the socket is
   * destroyed on the next turn instead of waiting for the peer's handshake, so what its receiver held is freed now.
   */
  private evict(socket: WebSocket, code: number, reason: string): void {
    const state = this.sessions.get(socket);
    if (!state) return;
    this.sessions.delete(socket);
    // Released from the budget now, not at 'close': the memory goes with the socket destroyed below,
    // and other connections must not be evicted meanwhile for bytes that are already condemned.
    this.partialTotal -= state.partialBytes;
    state.partialBytes = 0;
    socket.pause();
    socket.close(code, reason);
    setImmediate(() => socket.terminate());
  }

  private drop(socket: WebSocket, code: number, reason: string): Promise<void> {
    this.sessions.delete(socket);
    if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => socket.terminate(), CLOSE_HANDSHAKE_MS);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.close(code, reason);
    });
  }
}
