import { Inject, Injectable, Logger } from '@nestjs/common';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  CancelledNotificationSchema,
  ErrorCode,
  type CallToolRequest,
  type CallToolResult,
  type Implementation,
  type ListToolsRequest,
  type ListToolsResult,
  ListToolsRequestSchema,
  type RequestId,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import * as z from 'zod/v4';
import type { ProgressUpdate, PublishedTool, ToolContext } from '#tool-contract';
import { tracingEnabled } from '#observability';
import { ToolRegistryService } from '#tool-registry';
import { traceMcpMessages } from './mcp-message.tracing.js';
import type { McpSession } from './mcp-session.js';
import { ProtocolError, toProtocolError } from './tool-error.mapping.js';

/** Injection token for the `serverInfo` every Server announces in its initialize result. */
export const MCP_SERVER_INFO = Symbol('MCP_SERVER_INFO');

const CAPABILITIES = { tools: { listChanged: false } };

/**
 * The SDK's protocol layer parses each request with the schema it was registered with and answers a
 * mismatch as -32603 Internal error; registering tools/call with lenient params lets the Server's own
 * tools/call validation run instead, which answers malformed params (e.g. non-object arguments) -32602.
 */
const CallToolEnvelopeSchema = CallToolRequestSchema.extend({ params: z.unknown() });

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** A call whose cancellation can arrive outside its own transport (stateless /mcp). */
export interface TrackedCall {
  signal: AbortSignal;
  end(): void;
}

export interface CallTracker {
  begin(session: McpSession, requestId: RequestId, signal: AbortSignal): TrackedCall;
  cancel(session: McpSession, requestId: RequestId, reason: unknown): void;
}

export interface McpServerOptions {
  /** Replaces the Server's own per-connection cancellation bookkeeping. */
  calls?: CallTracker;
}

/**
 * Builds the SDK's protocol engine (initialize, ping, version negotiation, cancellation,
 * JSON-RPC errors) wired to the one ToolRegistryService. Every transport gets its Servers here.
 */
@Injectable()
export class McpServerFactory {
  private readonly logger = new Logger('McpServer');
  // One validator for every Server: the SDK otherwise builds a new Ajv per instance, which
  // dominated the cost of a stateless /mcp request.
  private readonly validator = new AjvJsonSchemaValidator();
  private listedFrom?: readonly PublishedTool[];
  private listResult: ListToolsResult = { tools: [] };

  constructor(
    private readonly registry: ToolRegistryService,
    @Inject(MCP_SERVER_INFO) private readonly serverInfo: Implementation,
  ) {}

  create(session: McpSession, options: McpServerOptions = {}): Server {
    const server = new Server(this.serverInfo, { capabilities: CAPABILITIES, jsonSchemaValidator: this.validator });
    server.setRequestHandler(ListToolsRequestSchema, (request) => this.listTools(request, session));
    server.setRequestHandler(CallToolEnvelopeSchema, (request, extra) => this.callTool(session, request as CallToolRequest, extra, options.calls));
    const calls = options.calls;
    if (calls) {
      server.setNotificationHandler(CancelledNotificationSchema, (notification) => {
        if (notification.params.requestId !== undefined) calls.cancel(session, notification.params.requestId, notification.params.reason);
      });
    }
    server.onerror = (error) => this.logger.debug(`${session.transport}: ${error.message}`);
    if (tracingEnabled()) {
      // Every transport connects its Server here: one place gives each of them request spans.
      const connect = server.connect.bind(server);
      server.connect = async (transport) => {
        await connect(transport);
        traceMcpMessages(transport, session);
      };
    }
    return server;
  }

  /**
   * Every tool the session may call, in one page (clients such as Bolt.diy never follow a cursor).
   * The full list's result is cached until the registry changes; a scope-filtered list is built per call.
   */
  private listTools(request: ListToolsRequest, session: McpSession): ListToolsResult {
    if (request.params?.cursor !== undefined) throw new ProtocolError(ErrorCode.InvalidParams, 'Invalid cursor: tools/list has a single page');
    const tools = this.registry.list(session);
    if (tools !== this.registry.list()) return { tools: tools.map((tool) => ({ ...tool }) as ListToolsResult['tools'][number]) };
    if (tools !== this.listedFrom) {
      this.listedFrom = tools;
      this.listResult = { tools: tools.map((tool) => ({ ...tool }) as ListToolsResult['tools'][number]) };
    }
    return this.listResult;
  }

  private async callTool(session: McpSession, request: CallToolRequest, extra: Extra, calls?: CallTracker): Promise<CallToolResult> {
    // Answered like the global cap's "busy": a tool error the model can read, not a protocol failure.
    if (session.inFlight && !session.inFlight.tryAcquire()) {
      return { content: [{ type: 'text', text: `Busy: this session already runs ${session.inFlight.max} tool calls (MAX_IN_FLIGHT_PER_SESSION); wait for one to finish` }], isError: true };
    }
    const tracked = calls?.begin(session, extra.requestId, extra.signal);
    const progress = new ProgressSender(extra, this.logger);
    const context: ToolContext = {
      signal: tracked?.signal ?? extra.signal,
      reportProgress: (update) => progress.send(update),
      principal: session.principal,
      transport: session.transport,
    };
    try {
      const outcome = await this.registry.call(request.params.name, request.params.arguments ?? {}, context);
      return outcome.result as CallToolResult;
    } catch (error) {
      throw toProtocolError(error);
    } finally {
      session.inFlight?.release();
      tracked?.end();
      // Progress must precede the response: a client drops progress that arrives after it.
      await progress.flushed();
    }
  }
}

/**
 * Sends `notifications/progress` for one request, in order, tied to the request (so stateless
 * HTTP streams them on that request's SSE response). A no-op when the caller sent no token.
 */
class ProgressSender {
  private readonly token: string | number | undefined;
  private last: Promise<void> = Promise.resolve();
  private reported = false;

  constructor(
    private readonly extra: Extra,
    private readonly logger: Logger,
  ) {
    this.token = extra._meta?.progressToken;
  }

  send(update: ProgressUpdate): void {
    const progressToken = this.token;
    if (progressToken === undefined) return;
    this.reported = true;
    this.last = this.last
      .then(() => this.extra.sendNotification({ method: 'notifications/progress', params: { progressToken, ...update } }))
      .catch((error: unknown) => this.logger.debug(`Progress notification not delivered: ${String(error)}`));
  }

  /**
   * Resolves once every notification is written, one event-loop turn later: SDK clients on Node
   * (ws, stdio) handle a response synchronously but a notification a microtask later, so a
   * progress frame read in the same chunk as the response would be dropped as "unknown token".
   */
  async flushed(): Promise<void> {
    if (!this.reported) return;
    await this.last;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
