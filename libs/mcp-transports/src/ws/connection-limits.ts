import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { LimitsConfig } from '#config';
import { WebSocket } from 'ws';

export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_TRY_AGAIN_LATER = 1013;
/** How long a closing peer gets to answer the close handshake before its socket is destroyed. */
const CLOSE_HANDSHAKE_MS = 3000;

/** What one session's transport reports about the messages it carries. */
export interface SessionFlow {
  received(message: JSONRPCMessage): void;
  sent(message: JSONRPCMessage): void;
}

interface SessionState {
  lastActivity: number;
  /** Requests received and not yet answered: a session waiting on a long call is not idle. */
  pending: number;
}

/**
 * Keeps the process bounded however clients behave: at most MAX_CONNECTIONS sockets; sessions
 * silent for WS_IDLE_TIMEOUT_MS with no request pending are closed; a client that does not read its replies makes the
 * server stop reading its frames once WS_MAX_BUFFERED_BYTES are queued (so it cannot start more
 * work), and is dropped with 1013 if the queue still reaches twice that. Also closes every
 * connection with 1001 when a drain has let the running calls finish.
 */
export class WsConnectionLimits {
  private readonly sessions = new Map<WebSocket, SessionState>();
  private readonly idleSweep?: NodeJS.Timeout;

  constructor(private readonly limits: LimitsConfig) {
    const idleMs = limits.wsIdleTimeoutMs;
    if (idleMs > 0) this.idleSweep = setInterval(() => this.closeIdle(), Math.min(Math.max(idleMs / 4, 50), 30_000)).unref();
  }

  get openConnections(): number {
    return this.sessions.size;
  }

  get full(): boolean {
    return this.sessions.size >= this.limits.maxConnections;
  }

  /** Starts tracking `socket`; its transport reports every message through the returned flow. */
  track(socket: WebSocket): SessionFlow {
    const state: SessionState = { lastActivity: Date.now(), pending: 0 };
    this.sessions.set(socket, state);
    socket.once('close', () => this.sessions.delete(socket));
    return {
      received: (message) => {
        state.lastActivity = Date.now();
        if ('id' in message && 'method' in message) state.pending++;
        else if ('method' in message && message.method === 'notifications/cancelled') state.pending = Math.max(0, state.pending - 1);
      },
      sent: (message) => {
        state.lastActivity = Date.now();
        if ('id' in message && !('method' in message)) state.pending = Math.max(0, state.pending - 1);
        this.applyBackpressure(socket);
      },
    };
  }

  private applyBackpressure(socket: WebSocket): void {
    const limit = this.limits.wsMaxBufferedBytes;
    if (socket.bufferedAmount <= limit) return;
    if (socket.bufferedAmount > 2 * limit) {
      // Read nothing more from it (no new work); the close frame follows what is queued.
      socket.pause();
      void this.drop(socket, CLOSE_TRY_AGAIN_LATER, 'Client reads too slowly: send buffer full');
    }
    else if (!socket.isPaused) this.pauseUntilDrained(socket);
  }

  /** Closes every connection with `code` and resolves once all are closed (stragglers are destroyed). */
  async closeAll(code: number, reason: string): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((socket) => this.drop(socket, code, reason)));
  }

  stop(): void {
    clearInterval(this.idleSweep);
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

  private closeIdle(): void {
    const cutoff = Date.now() - this.limits.wsIdleTimeoutMs;
    for (const [socket, state] of this.sessions) {
      if (state.pending === 0 && state.lastActivity < cutoff) void this.drop(socket, 1000, `Idle for more than ${this.limits.wsIdleTimeoutMs} ms`);
    }
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
