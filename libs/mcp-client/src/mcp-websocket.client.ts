import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CallToolResultSchema,
  ErrorCode,
  McpError,
  type CallToolResult,
  type Progress,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { resolveClientOptions, type MCPWebSocketClientOptions, type ResolvedClientOptions } from './client-options.js';
import { LEGACY_PROTOCOL_VERSION, negotiateEra } from './era-negotiation.js';
import { MCPClientClosedError, MCPClientError, MCPConnectionError, MCPRequestTimeoutError } from './mcp-client.errors.js';
import { reconnectDelay } from './reconnect-backoff.js';
import { openRuntimeSocket, type SocketOpener } from './socket-opener.js';
import { TypedEventEmitter } from './typed-event-emitter.js';
import { WebSocketTransport } from './websocket.transport.js';
import { redactUrl } from './websocket-url.js';
import { CLIENT_NAME, CLIENT_VERSION } from './version.js';

export interface DisconnectInfo {
  /** WebSocket close code (1000 when the client closed, 1006 when the connection was cut). */
  code: number;
  reason: string;
  /** False after disconnect() or when maxReconnectAttempts is 0. */
  willReconnect: boolean;
}

export type MCPClientEvents = {
  /** A connection is open and initialized (first connect and every reconnect). */
  connected: [];
  /** An initialized connection ended. */
  disconnected: [info: DisconnectInfo];
  /** Attempt number `attempt` (1-based) starts after `delayMs`. */
  reconnecting: [attempt: number, delayMs: number];
  /** A connection attempt failed, reconnecting gave up, or the connection reported a protocol problem. */
  error: [error: Error];
};

export interface ExecuteToolOptions {
  /** Aborting cancels the call on the server (notifications/cancelled) and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Progress the tool reports while it runs. */
  onProgress?: (progress: Progress) => void;
}

/** A connection's protocol engine and socket: replaced as a whole on every reconnect. */
interface Session {
  client: Client;
  transport: WebSocketTransport;
  /** The protocol version the connection speaks (2026-07-28 or the one initialize agreed on). */
  protocolVersion: string;
}

/** What the SDK Client's transport carries as its session in the 2026-07-28 era (there is no initialize, hence no session id). */
const STATELESS_SESSION = 'stateless-2026-07-28';

/** A handshake that takes longer than this counts as a failed attempt, even if requestTimeout is longer. */
const MAX_CONNECT_TIMEOUT_MS = 10_000;
/** After a request timed out, a ping not answered within this (or requestTimeout, if shorter) means the connection is dead. */
const MAX_LIVENESS_PING_TIMEOUT_MS = 5_000;

/**
 * MCP client over the server's WebSocket endpoint (`/ws`) that survives pod restarts, rolling
 * updates and idle timeouts: it reconnects with exponential backoff and jitter, re-initializes
 * the MCP session, and bounds every request by requestTimeout.
 */
export class MCPWebSocketClient extends TypedEventEmitter<MCPClientEvents> {
  private readonly options: ResolvedClientOptions;
  private session?: Session;
  /** The connect or reconnect in progress; calls made meanwhile wait for it. */
  private establishing?: Promise<void>;
  /** Aborted by disconnect(): ends backoff waits and the handshake in progress. */
  private lifecycle = new AbortController();
  /** Why calls are refused while neither connected nor connecting. */
  private closedReason: MCPClientClosedError = new MCPClientClosedError('Not connected: call connect() first');

  constructor(options: MCPWebSocketClientOptions);
  /** @internal Unit specs drive the client through a scripted socket. */
  constructor(options: MCPWebSocketClientOptions, openSocket: SocketOpener);
  constructor(
    options: MCPWebSocketClientOptions,
    private readonly openSocket: SocketOpener = openRuntimeSocket,
  ) {
    super();
    this.options = resolveClientOptions(options);
  }

  isConnected(): boolean {
    return this.session !== undefined;
  }

  /** The protocol version of the current connection (`2026-07-28`, or the 2025 era's), undefined while not connected. */
  getProtocolVersion(): string | undefined {
    return this.session?.protocolVersion;
  }

  /**
   * Opens and initializes the connection. A failed first attempt is retried like a lost
   * connection (backoff, at most maxReconnectAttempts); 401/403 rejects at once.
   */
  connect(): Promise<void> {
    if (this.session) return Promise.resolve();
    if (this.establishing) return this.establishing;
    this.lifecycle = new AbortController();
    return this.startEstablishing({ retryOnly: false });
  }

  /** Closes the connection and stops reconnecting for good (until connect() is called again). */
  async disconnect(): Promise<void> {
    this.closedReason = new MCPClientClosedError('disconnect() was called');
    this.lifecycle.abort(this.closedReason);
    this.establishing = undefined;
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    await session.client.close();
    this.emit('disconnected', { code: 1000, reason: 'disconnect() was called', willReconnect: false });
  }

  /**
   * Every tool the server offers, following `nextCursor` through all pages. Listing is
   * idempotent, so a connection lost midway is retried once on the next connection.
   */
  async listTools(): Promise<Tool[]> {
    try {
      return await this.listAllPages();
    } catch (error) {
      if (!(error instanceof MCPConnectionError)) throw error;
      return this.listAllPages();
    }
  }

  /**
   * Calls a tool and returns its CallToolResult (a tool's own failure is a result with
   * `isError: true`). Not retried: a call cut off by a lost connection rejects with
   * MCPConnectionError (retriable) because it may already have run.
   */
  async executeTool(name: string, args: Record<string, unknown> = {}, options: ExecuteToolOptions = {}): Promise<CallToolResult> {
    const session = await this.connectedSession(options.signal);
    try {
      const result = await session.client.callTool({ name, arguments: args }, CallToolResultSchema, {
        timeout: this.options.requestTimeout,
        signal: options.signal,
        onprogress: options.onProgress,
      });
      return result as CallToolResult;
    } catch (error) {
      throw this.callFailure(error, `tools/call ${name}`, session, options.signal);
    }
  }

  private async listAllPages(): Promise<Tool[]> {
    const session = await this.connectedSession();
    const tools: Tool[] = [];
    const seenCursors = new Set<string>();
    let cursor: string | undefined;
    do {
      try {
        const page = await session.client.listTools(cursor === undefined ? undefined : { cursor }, {
          timeout: this.options.requestTimeout,
        });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } catch (error) {
        throw this.callFailure(error, 'tools/list', session);
      }
      if (cursor !== undefined && seenCursors.has(cursor))
        throw new MCPClientError(`tools/list returned cursor "${cursor}" twice; stopping to avoid an endless loop`, false);
      if (cursor !== undefined) seenCursors.add(cursor);
    } while (cursor !== undefined);
    return tools;
  }

  /**
   * Connects (first time) or reconnects (after a drop). Each failed attempt is reported as
   * an `error` event; a refusal that retrying cannot fix (401/403) ends it at once.
   */
  private async establish({ retryOnly }: { retryOnly: boolean }): Promise<void> {
    const signal = this.lifecycle.signal;
    try {
      let lastFailure: unknown;
      if (!retryOnly) {
        const failure = await this.attempt(signal);
        if (failure === undefined) return;
        lastFailure = failure;
      }
      const { reconnectInterval, maxReconnectInterval, maxReconnectAttempts } = this.options;
      for (let attempt = 1; attempt <= maxReconnectAttempts; attempt++) {
        const delayMs = reconnectDelay(attempt, { initialDelayMs: reconnectInterval, maxDelayMs: maxReconnectInterval });
        this.emit('reconnecting', attempt, delayMs);
        await sleep(delayMs, signal);
        const failure = await this.attempt(signal);
        if (failure === undefined) return;
        lastFailure = failure;
      }
      const gaveUp = new MCPClientClosedError(giveUpMessage(maxReconnectAttempts, lastFailure), { cause: lastFailure });
      this.closedReason = gaveUp;
      this.emit('error', gaveUp);
      throw gaveUp;
    } catch (error) {
      if (signal.aborted) throw this.closedReason;
      if (error instanceof MCPClientError && !error.retriable)
        this.closedReason = error instanceof MCPClientClosedError ? error : new MCPClientClosedError(error.message, { cause: error });
      throw error;
    }
  }

  private startEstablishing(mode: { retryOnly: boolean }): Promise<void> {
    const run: Promise<void> = this.establish(mode).finally(() => {
      if (this.establishing === run) this.establishing = undefined;
    });
    this.establishing = run;
    return run;
  }

  /** One connection attempt: undefined on success, the (retriable) failure otherwise; throws when retrying is pointless. */
  private async attempt(signal: AbortSignal): Promise<unknown> {
    try {
      this.adopt(await this.openSession(signal), signal);
      return undefined;
    } catch (error) {
      if (signal.aborted) throw this.closedReason;
      this.emit('error', error as Error);
      if (error instanceof MCPClientError && !error.retriable) throw error;
      return error;
    }
  }

  private async openSession(signal: AbortSignal): Promise<Session> {
    const { url, authToken, headers, requestTimeout } = this.options;
    const target = { url, authToken, headers, connectTimeoutMs: Math.min(requestTimeout, MAX_CONNECT_TIMEOUT_MS) };
    const transport = new WebSocketTransport(target, this.openSocket);
    const client = new Client({ name: CLIENT_NAME, version: CLIENT_VERSION }, { capabilities: {} });
    try {
      await this.negotiate(transport, signal);
      await client.connect(transport, { timeout: requestTimeout, signal });
      return { client, transport, protocolVersion: transport.protocolVersion ?? LEGACY_PROTOCOL_VERSION };
    } catch (error) {
      await client.close();
      await transport.close();
      throw this.initializeFailure(error);
    }
  }

  /**
   * Before the SDK Client takes the connection: in `auto` or pinned 2026-07-28 mode, opens the
   * socket and asks `server/discover`. When 2026-07-28 is agreed the transport envelopes every
   * request and the Client sends no initialize; otherwise the Client initializes as before.
   */
  private async negotiate(transport: WebSocketTransport, signal: AbortSignal): Promise<void> {
    const mode = this.options.protocolVersion;
    if (mode === LEGACY_PROTOCOL_VERSION) return;
    await transport.open();
    signal.throwIfAborted();
    const timeoutMs = Math.min(this.options.requestTimeout, MAX_CONNECT_TIMEOUT_MS);
    const era = await negotiateEra(transport, {
      mode,
      clientInfo: { name: CLIENT_NAME, version: CLIENT_VERSION },
      timeoutMs,
      where: redactUrl(this.options.url),
    });
    if ('envelope' in era) transport.useEnvelope(era.envelope, era.version, STATELESS_SESSION);
  }

  private adopt(session: Session, signal: AbortSignal): void {
    if (signal.aborted) {
      void session.client.close();
      throw this.closedReason;
    }
    if (session.transport.closed)
      throw new MCPConnectionError(`${redactUrl(this.options.url)} closed the connection right after initialize`);
    session.client.onclose = () => this.onSessionClosed(session);
    session.client.onerror = (error) => this.emit('error', error);
    this.session = session;
    this.emit('connected');
  }

  private onSessionClosed(session: Session): void {
    if (this.session !== session) return; // closed by disconnect(), already handled
    this.session = undefined;
    const { code, reason } = session.transport.closed ?? { code: 1006, reason: '' };
    const willReconnect = this.options.maxReconnectAttempts > 0;
    this.emit('disconnected', { code, reason, willReconnect });
    // Failures are reported as `error` events; waiting calls get the rejection themselves.
    this.startEstablishing({ retryOnly: true }).catch(() => undefined);
  }

  /** The open session, waiting (at most requestTimeout) for a connect or reconnect in progress. */
  private async connectedSession(signal?: AbortSignal): Promise<Session> {
    if (this.session) return this.session;
    if (!this.establishing) throw this.closedReason;
    const timeoutMs = this.options.requestTimeout;
    await withDeadline(
      this.establishing,
      timeoutMs,
      signal,
      () => new MCPConnectionError(`Still not connected to ${redactUrl(this.options.url)} after waiting ${timeoutMs} ms`),
    );
    if (!this.session) throw this.closedReason;
    return this.session;
  }

  private callFailure(error: unknown, method: string, session: Session, signal?: AbortSignal): unknown {
    if (signal?.aborted) return signal.reason;
    if (!(error instanceof McpError)) return error;
    if (error.code === ErrorCode.RequestTimeout) {
      void this.checkLiveness(session);
      return new MCPRequestTimeoutError(method, this.options.requestTimeout);
    }
    if (error.code === ErrorCode.ConnectionClosed) {
      if (this.lifecycle.signal.aborted)
        return new MCPClientClosedError(`disconnect() was called while ${method} was in flight`, { cause: error });
      return new MCPConnectionError(`The connection was lost while ${method} was in flight; it may or may not have run on the server`, {
        cause: error,
      });
    }
    return error;
  }

  /**
   * A timeout may mean a slow tool or a dead connection: a peer that vanished without closing
   * (node lost, network partition) leaves the socket open, and every later call would time out
   * too. A ping tells the two apart; an unanswered one drops the connection, which reconnects.
   * Any answer proves the peer alive: protocol 2026-07-28 removed ping, so a server in that era
   * answers it "Method not found" — still an answer.
   */
  private async checkLiveness(session: Session): Promise<void> {
    try {
      await session.client.ping({ timeout: Math.min(this.options.requestTimeout, MAX_LIVENESS_PING_TIMEOUT_MS) });
    } catch (error) {
      if (answeredByPeer(error)) return;
      if (this.session === session) session.transport.abandon('the server stopped answering (ping timed out)');
    }
  }

  private initializeFailure(error: unknown): unknown {
    if (!(error instanceof McpError)) return error;
    const where = redactUrl(this.options.url);
    if (error.code === ErrorCode.RequestTimeout)
      return new MCPConnectionError(`${where} did not answer initialize within ${this.options.requestTimeout} ms`, { cause: error });
    if (error.code === ErrorCode.ConnectionClosed)
      return new MCPConnectionError(`${where} closed the connection during initialize`, { cause: error });
    return error;
  }
}

function giveUpMessage(maxReconnectAttempts: number, lastFailure: unknown): string {
  if (maxReconnectAttempts === 0) return 'Connection lost and reconnecting is disabled (maxReconnectAttempts is 0)';
  const reason = lastFailure instanceof Error ? `: ${lastFailure.message}` : '';
  return `Gave up after ${maxReconnectAttempts} reconnect attempts${reason}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Waits for `promise`, but no longer than `ms` and not past an abort of `signal`. */
function withDeadline(promise: Promise<void>, ms: number, signal: AbortSignal | undefined, timeoutError: () => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => finish(() => reject(signal?.reason));
    const timer = setTimeout(() => finish(() => reject(timeoutError())), ms);
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => finish(resolve),
      (error: unknown) => finish(() => reject(error)),
    );
  });
}

/** An error response the peer sent, as opposed to a timeout or a closed connection the client noticed. */
function answeredByPeer(error: unknown): boolean {
  return error instanceof McpError && error.code !== ErrorCode.RequestTimeout && error.code !== ErrorCode.ConnectionClosed;
}
