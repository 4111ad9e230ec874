import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  type CacheHint,
  type CallToolRequest,
  type CallToolResult,
  type Implementation,
  type ListToolsRequest,
  type ListToolsResult,
  type ProgressNotification,
  ProtocolError,
  ProtocolErrorCode,
  type RequestId,
  ResourceNotFoundError,
  Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import { AppConfig } from '#config';
import { isToolError, type ProgressUpdate, type PublishedTool, type ToolContext } from '#tool-contract';
import { tracingEnabled } from '#observability';
import { ToolRegistryService } from '#tool-registry';
import { traceMcpMessages } from './mcp-message.tracing.js';
import type { McpSession } from './mcp-session.js';
import { toProtocolError } from './tool-error.mapping.js';

/** Injection token for the `serverInfo` every Server announces (initialize result, 2026 result `_meta`). */
export const MCP_SERVER_INFO = Symbol('MCP_SERVER_INFO');

const CAPABILITIES = { tools: { listChanged: false } };
/**
 * In the 2026 era prompts and resources are declared and served as what they are here: empty.
 * 2026-07-28 makes their list results cacheable and clients may ask for them; an empty list with a
 * cache hint is the true answer. 2025-era sessions keep the tools-only capabilities they had.
 */
const MODERN_CAPABILITIES = { ...CAPABILITIES, prompts: { listChanged: false }, resources: { listChanged: false } };

/** The lists change only with a deployment, so a 2026 client may keep them for a while. */
const LIST_TTL_MS = 300_000;
const EMPTY_LIST_HINT: CacheHint = { ttlMs: LIST_TTL_MS, cacheScope: 'public' };
const NO_PROMPTS = { prompts: [] };
const NO_RESOURCES = { resources: [] };
const NO_RESOURCE_TEMPLATES = { resourceTemplates: [] };
const NO_CURSOR = { method: 'tools/list' } as ListToolsRequest;

type Tool = ListToolsResult['tools'][number];

/** A call whose cancellation can arrive outside its own transport (stateless /mcp). */
export interface TrackedCall {
  signal: AbortSignal;
  end(): void;
}

export interface CallTracker {
  begin(session: McpSession, requestId: RequestId, signal: AbortSignal): TrackedCall;
  cancel(session: McpSession, requestId: RequestId, reason: unknown): void;
}

/** The protocol era a Server serves: 2025 (`initialize`, sessions) or 2026-07-28 (per-request envelope). */
export type McpEra = 'legacy' | 'modern';

export interface McpServerOptions {
  /** Replaces the Server's own per-connection cancellation bookkeeping. */
  calls?: CallTracker;
  /** The protocol era the Server will serve (the SDK's serving entries say which); 2025 when absent. */
  era?: McpEra;
}

/** One tools/call as the shared implementation needs it, from the SDK's context or a fast path (/ws, /mcp). */
export interface ToolCall {
  name: string;
  arguments: Record<string, unknown> | undefined;
  progressToken: string | number | undefined;
  /**
   * Fires on a cancellation for the request or the connection closing. A controller (the /ws fast
   * path's own) is lent to the in-flight tracker, whose drain deadline then aborts it too, so its
   * owner must not read every abort as a cancellation; a bare signal gets a controller linked to it.
   */
  abort: AbortSignal | AbortController;
  /** The request carried the 2026-07-28 `_meta` envelope. */
  enveloped: boolean;
  notify(notification: ProgressNotification): Promise<void>;
  /** The era's CallToolResult projection (the Server's `projectCallToolResult`). */
  project(result: CallToolResult, outputSchema: Tool['outputSchema']): CallToolResult;
  /** Begins cross-transport tracking of the call (stateless /mcp); called only once the call is admitted. */
  track?: () => TrackedCall;
}

/**
 * Builds the SDK v2 protocol engine (initialize or server/discover, ping, version negotiation,
 * the 2026 envelope and result encoding, cancellation, JSON-RPC errors) wired to the one
 * ToolRegistryService. Every transport gets its Servers here. What is costly is built once and
 * shared by every Server: the JSON-schema validator, the tools/list result (typescript-sdk#2838:
 * a per-request factory must not re-convert schemas) and the scope-filtered lists per principal.
 */
@Injectable()
export class McpServerFactory {
  private readonly logger = new Logger('McpServer');
  // One validator for every Server: the SDK otherwise builds a new Ajv per instance.
  private readonly validator = new AjvJsonSchemaValidator();
  private readonly cacheHints: Record<'tools/list' | 'prompts/list' | 'resources/list' | 'resources/templates/list', CacheHint>;
  private listedFrom?: readonly PublishedTool[];
  private listResult: ListToolsResult = { tools: [] };
  /** Scope-filtered lists, keyed by the filtered array the registry returns (one per distinct scope set). */
  private filtered = new WeakMap<readonly PublishedTool[], ListToolsResult>();
  /** Each list result serialized for the fast paths ('' when the SDK must encode it). */
  private readonly serialized = new WeakMap<ListToolsResult, string>();
  /**
   * A Server never connected, for the 2025 era's CallToolResult projection outside a session (the
   * fast paths): the SDK picks the projection by era alone, and an unconnected Server is in the 2025
   * era, exactly as the un-negotiated per-request Server of stateless /mcp is.
   */
  private readonly legacyCodec: Server;

  constructor(
    private readonly registry: ToolRegistryService,
    @Inject(MCP_SERVER_INFO) private readonly serverInfo: Implementation,
    config: AppConfig,
  ) {
    // With tool or catalog scopes the list (or what its tools may reach) depends on the caller.
    const callerSpecific = config.auth.toolScopes.length > 0 || config.auth.catalogScopes.length > 0;
    this.legacyCodec = new Server(serverInfo, { capabilities: CAPABILITIES, jsonSchemaValidator: this.validator });
    this.cacheHints = {
      'tools/list': { ttlMs: LIST_TTL_MS, cacheScope: callerSpecific ? 'private' : 'public' },
      'prompts/list': EMPTY_LIST_HINT,
      'resources/list': EMPTY_LIST_HINT,
      'resources/templates/list': EMPTY_LIST_HINT,
    };
  }

  create(session: McpSession, options: McpServerOptions = {}): Server {
    const modern = options.era === 'modern';
    const server = new Server(this.serverInfo, {
      capabilities: modern ? MODERN_CAPABILITIES : CAPABILITIES,
      jsonSchemaValidator: this.validator,
      cacheHints: this.cacheHints,
    });
    server.setRequestHandler('tools/list', (request) => this.listTools(request, session));
    server.setRequestHandler('tools/call', (request, ctx) => this.callTool(server, session, request, ctx, options.calls));
    if (modern) {
      server.setRequestHandler('prompts/list', () => NO_PROMPTS);
      server.setRequestHandler('resources/list', () => NO_RESOURCES);
      server.setRequestHandler('resources/templates/list', () => NO_RESOURCE_TEMPLATES);
      server.setRequestHandler('resources/read', (request) => {
        throw new ResourceNotFoundError(request.params.uri, 'Resource not found: this server publishes no resources');
      });
    }
    const calls = options.calls;
    if (calls) {
      server.setNotificationHandler('notifications/cancelled', (notification) => {
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
   * Results are built once per registry state and per filtered list, then reused; the SDK encodes
   * the era-specific fields (resultType, cache hints) around them without changing them.
   */
  private listTools(request: ListToolsRequest, session: McpSession): ListToolsResult {
    if (request.params?.cursor !== undefined)
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid cursor: tools/list has a single page');
    const all = this.registry.list();
    if (all !== this.listedFrom) {
      this.listedFrom = all;
      this.listResult = toListResult(all);
      this.filtered = new WeakMap();
    }
    const tools = this.registry.list(session);
    if (tools === all) return this.listResult;
    let result = this.filtered.get(tools);
    if (!result) {
      result = toListResult(tools);
      this.filtered.set(tools, result);
    }
    return result;
  }

  /**
   * The serialized `tools/list` result for this session's list, as the SDK would write it in the
   * 2025 era, built once per list; undefined when the SDK would rewrite the list for that era (a
   * tool whose outputSchema root is not an object gets the legacy wrap), so the caller must let
   * the SDK answer. Used by the /ws and /mcp fast paths.
   */
  serializedToolList(session: McpSession): string | undefined {
    const result = this.listTools(NO_CURSOR, session);
    let json = this.serialized.get(result);
    if (json === undefined) {
      json = result.tools.every((tool) => tool.outputSchema === undefined || tool.outputSchema.type === 'object')
        ? JSON.stringify(result)
        : '';
      this.serialized.set(result, json);
    }
    return json === '' ? undefined : json;
  }

  /** The SDK's 2025-era projection of a tool's result (structuredContent wrapping, the text fallback); a bound function, shared. */
  readonly projectLegacyResult = (result: CallToolResult, outputSchema: Tool['outputSchema']): CallToolResult =>
    this.legacyCodec.projectCallToolResult(result, outputSchema);

  /**
   * One tools/call, whichever path received it (the SDK's request handler or a fast path),
   * so the two cannot drift: the per-session in-flight cap, the ToolContext, the registry call,
   * the result projection, the 2026 isError rule, the protocol-error mapping and the progress
   * ordering. Throws what the SDK turns into a JSON-RPC error.
   */
  async runToolCall(session: McpSession, call: ToolCall): Promise<CallToolResult> {
    // Answered like the global cap's "busy": a tool error the model can read, not a protocol failure.
    if (session.inFlight && !session.inFlight.tryAcquire()) {
      return {
        content: [
          {
            type: 'text',
            text: `Busy: this session already runs ${session.inFlight.max} tool calls (MAX_IN_FLIGHT_PER_SESSION); wait for one to finish`,
          },
        ],
        isError: true,
      };
    }
    const tracked = call.track?.();
    const lent = call.abort instanceof AbortController ? call.abort : undefined;
    const signal = lent ? lent.signal : (call.abort as AbortSignal);
    // Most calls ask for no progress: no sender, and no wait for one before the response.
    const progress = call.progressToken === undefined ? undefined : new ProgressSender(call.progressToken, call.notify, this.logger);
    const context: ToolContext = {
      signal: tracked?.signal ?? signal,
      reportProgress: progress ? (update) => progress.send(update) : ignoreProgress,
      principal: session.principal,
      transport: session.transport,
    };
    try {
      const outcome = await this.registry.call(call.name, call.arguments ?? {}, context, tracked ? undefined : lent);
      return call.project(outcome.result as CallToolResult, this.registry.describe(call.name)?.outputSchema);
    } catch (error) {
      // 2026-07-28 (as 2025-11-25 asks) reports arguments that break the schema as a tool error
      // the model can correct; 2025-era callers keep the -32602 they are built around.
      if (call.enveloped && isToolError(error) && error.kind === 'invalid_arguments')
        return { content: [{ type: 'text', text: error.message }], isError: true };
      throw toProtocolError(error);
    } finally {
      session.inFlight?.release();
      tracked?.end();
      // Progress must precede the response: a client drops progress that arrives after it.
      if (progress) await progress.flushed();
    }
  }

  private callTool(
    server: Server,
    session: McpSession,
    request: CallToolRequest,
    ctx: ServerContext,
    calls?: CallTracker,
  ): Promise<CallToolResult> {
    return this.runToolCall(session, {
      name: request.params.name,
      arguments: request.params.arguments,
      progressToken: ctx.mcpReq._meta?.progressToken,
      abort: ctx.mcpReq.signal,
      enveloped: ctx.mcpReq.envelope !== undefined,
      notify: (notification) => ctx.mcpReq.notify(notification),
      project: (result, outputSchema) => server.projectCallToolResult(result, outputSchema),
      track: calls && (() => calls.begin(session, ctx.mcpReq.id, ctx.mcpReq.signal)),
    });
  }
}

function ignoreProgress(): void {}

function toListResult(tools: readonly PublishedTool[]): ListToolsResult {
  return { tools: tools.map((tool) => ({ ...tool }) as Tool) };
}

/**
 * Sends `notifications/progress` for one request, in order, tied to the request (so /mcp streams
 * them on that request's SSE response). Built only when the caller sent a token.
 */
class ProgressSender {
  private last: Promise<void> = Promise.resolve();
  private reported = false;

  constructor(
    private readonly token: string | number,
    private readonly notify: ToolCall['notify'],
    private readonly logger: Logger,
  ) {}

  send(update: ProgressUpdate): void {
    const progressToken = this.token;
    this.reported = true;
    this.last = this.last
      .then(() => this.notify({ method: 'notifications/progress', params: { progressToken, ...update } }))
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
