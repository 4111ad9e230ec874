import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Inject, Logger, type OnModuleDestroy, Optional } from '@nestjs/common';
import { type OnGatewayConnection, type OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import { AppConfig } from '#config';
import { GracefulShutdown, LifecycleService, MetricsService, tracingEnabled } from '#observability';
import {
  AdmissionService,
  type Clock,
  ConnectionLimiter,
  InFlightLimit,
  LIMITS_CLOCK,
  RATE_LIMITED_JSONRPC_CODE,
  RateLimiter,
} from '#security';
import type { Principal } from '#tool-contract';
import type { WebSocket, WebSocketServer } from 'ws';
import { McpServerFactory } from '../mcp-server.factory.js';
import type { McpSession } from '../mcp-session.js';
import { CLOSE_GOING_AWAY, WsConnectionLimits } from './connection-limits.js';
import { Heartbeat } from './heartbeat.js';
import { SdkConnection } from './sdk-connection.js';
import { type FrameGate, type FrameObserver, WebSocketServerTransport } from './websocket-server.transport.js';
import { WsFastPath } from './ws-fast-path.js';

export const MCP_WS_PATH = '/ws';
export const MCP_SUBPROTOCOL = 'mcp';

/** How long an SDK session rebuilt for a request the fast path does not take is kept before it may be released again. */
const KEEP_REBUILT_SDK_SESSION_MS = 30_000;

type VerifyCallback = (verified: boolean, code?: number, message?: string, headers?: OutgoingHttpHeaders) => void;

/**
 * MCP over WebSocket on the HTTP port: each connection is one MCP session run by its own SDK
 * Server. Callers are admitted at the HTTP upgrade, before any WebSocket exists, so a refused
 * client gets a plain 401/403/503 response.
 */
@WebSocketGateway({ path: MCP_WS_PATH })
export class McpGateway implements OnGatewayInit<WebSocketServer>, OnGatewayConnection<WebSocket>, OnModuleDestroy {
  private readonly logger = new Logger(McpGateway.name);
  /** Principal established at the upgrade, handed to the connection that upgrade creates. */
  private readonly admitted = new WeakMap<IncomingMessage, Principal>();
  private readonly frames: FrameObserver;
  private heartbeat?: Heartbeat;
  private readonly limits: WsConnectionLimits;

  constructor(
    private readonly factory: McpServerFactory,
    private readonly admission: AdmissionService,
    private readonly metrics: MetricsService,
    private readonly lifecycle: LifecycleService,
    private readonly config: AppConfig,
    shutdown: GracefulShutdown,
    private readonly rateLimiter: RateLimiter,
    private readonly connectionsPerClient: ConnectionLimiter,
    @Optional() @Inject(LIMITS_CLOCK) now?: Clock,
  ) {
    this.frames = { received: () => metrics.recordMessage('ws', 'in'), sent: () => metrics.recordMessage('ws', 'out') };
    this.limits = new WsConnectionLimits(config.limits, now);
    // Runs once a drain has let the running calls finish (or aborted them at the deadline).
    shutdown.onConnectionsClose(() => this.limits.closeAll(CLOSE_GOING_AWAY, 'Server shutting down'));
  }

  /** Connections the limits still track: one dropped (backpressure, idleness) leaves at once, before its socket has closed. */
  get trackedConnections(): number {
    return this.limits.openConnections;
  }

  afterInit(server: WebSocketServer): void {
    // Gateway decorator options are static; the limit and the admission hook need configuration
    // and injected services, so they are set on the ws server here, before it accepts anything.
    Object.assign(server.options, {
      maxPayload: this.config.limits.wsMaxPayloadBytes,
      handleProtocols: selectSubprotocol,
      verifyClient: (info: { req: IncomingMessage }, done: VerifyCallback) => this.verify(info.req, done),
    });
    this.heartbeat = new Heartbeat(server, this.config.limits.wsHeartbeatMs);
  }

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    const principal = this.admitted.get(request);
    if (!principal) {
      socket.close(1008, 'Not admitted');
      return;
    }
    const session: McpSession = { transport: 'ws', principal, inFlight: new InFlightLimit(this.config.auth.maxInFlightPerSession) };
    const flow = this.limits.track(socket, request.socket);
    this.metrics.sessionOpened('ws');
    socket.once('close', () => this.metrics.sessionClosed('ws'));
    const gate = this.rateLimitGate(this.admission.clientKeyOf(principal, request));
    const transport = new WebSocketServerTransport(socket, this.frames, flow, gate, request.socket);
    // With tracing on every request goes through the SDK, where its span is opened (mcp-message.tracing.ts).
    const fast = tracingEnabled() ? undefined : new WsFastPath(this.factory, session, transport);
    transport.interceptor = fast;
    // The SDK's connection-serving entry (serveStdio: named for stdio, transport-agnostic) picks the
    // era from the first message: `initialize` pins a 2025 session, `server/discover` or an enveloped
    // request a 2026-07-28 one; a refused opening (bad envelope, unknown version) is answered and the
    // socket stays usable. SdkConnection runs it, and releases it while a 2025 session is idle.
    new SdkConnection(transport, {
      serverFor: (era) => this.factory.create(session, { era }),
      established: fast && (() => fast.establish()),
      releasable: fast !== undefined,
      keepRebuiltMs: KEEP_REBUILT_SDK_SESSION_MS,
    }).start();
  }

  onModuleDestroy(): void {
    this.heartbeat?.stop();
    this.limits.stop();
  }

  private verify(request: IncomingMessage, done: VerifyCallback): void {
    if (!this.lifecycle.acceptingWork) return done(false, 503, 'The server is shutting down');
    if (this.limits.full)
      return done(false, 503, `Too many connections (MAX_CONNECTIONS=${this.config.limits.maxConnections}); retry later`);
    this.admission.admit(request).then(
      async (admission) => {
        if (!admission.admitted) return done(false, admission.status, admission.message, admission.headers);
        // Across replicas when REDIS_URL is set, so this may wait on Redis (bounded by REDIS_TIMEOUT_MS).
        const slot = await this.connectionsPerClient.acquire(this.admission.clientKeyOf(admission.principal, request));
        if (!slot.admitted) return done(false, slot.status, slot.message);
        // The client may have gone while the slot was being taken: its 'close' has already fired.
        if (request.socket.destroyed) return slot.release();
        // The TCP socket outlives every path the upgrade can take (refused handshake, closed session).
        request.socket.once('close', slot.release);
        this.admitted.set(request, admission.principal);
        done(true);
      },
      (error: unknown) => {
        this.logger.error(`WebSocket admission failed: ${String(error)}`);
        done(false, 500, 'Internal error');
      },
    );
  }

  /** Per-principal rate limit on frames (RATE_LIMIT_*): one budget shared with REST and /mcp; the socket stays open. */
  private rateLimitGate(key: string): FrameGate {
    return () => {
      const decision = this.rateLimiter.consume(key);
      if (decision.allowed) return undefined;
      const { retryAfterSeconds } = decision;
      return {
        code: RATE_LIMITED_JSONRPC_CODE,
        message: `Rate limit exceeded; retry in ${retryAfterSeconds} s`,
        data: { retryAfterSeconds },
      };
    };
  }
}

/** Echo `mcp` when offered (the SDK's WebSocketClientTransport insists); plain connections need none. */
function selectSubprotocol(protocols: Set<string>): string | false {
  return protocols.has(MCP_SUBPROTOCOL) ? MCP_SUBPROTOCOL : false;
}
