import { Controller, Delete, Get, Logger, type OnModuleDestroy, Post, Req, Res, UseFilters } from '@nestjs/common';
import { createMcpHandler, isLegacyRequest, type McpHttpHandler, type McpRequestContext } from '@modelcontextprotocol/server';
import { ApiExcludeController } from '@nestjs/swagger';
import { LifecycleService, MetricsService, tracingEnabled } from '#observability';
import { AdmissionService, RATE_LIMITED_JSONRPC_CODE, RateLimiter } from '#security';
import type { Principal, RequestWithPrincipal } from '#tool-contract';
import type { Request, Response } from 'express';
import { McpServerFactory } from '../mcp-server.factory.js';
import { idOf, sendJsonRpcError as sendError } from './json-rpc-http.js';
import { McpHttpExceptionFilter } from './mcp-http-exception.filter.js';
import { McpHttpFastPath } from './mcp-http-fast-path.js';
import { MeteredHttpTransport } from './metered-http.transport.js';
import { StatelessCallTracker } from './stateless-call.tracker.js';
import { sendWebResponse, toWebRequest } from './web-exchange.js';

export const MCP_HTTP_PATH = 'mcp';

/**
 * MCP Streamable HTTP, both protocol eras on one endpoint, stateless (any replica answers any
 * request). Admission (Host, Origin, auth), body limits and rate limits run first, for both eras.
 *
 * - 2026-07-28 (a request carrying the `_meta` envelope): the SDK's `createMcpHandler` serves it —
 *   server/discover, envelope validation, the Mcp-Method/Mcp-Name header rules, -32022 for an
 *   unknown version, resultType, serverInfo and cache hints; progress rides on the request's own
 *   SSE response and closing that response cancels the call.
 * - 2025 era: served as before by the SDK's stateless Streamable HTTP transport — JSON answers, or
 *   SSE when the request asked for progress (JSON mode would drop the notifications). We keep our
 *   own leg instead of the SDK's stateless fallback because that one always answers SSE and has no
 *   hook for the cross-request cancellation below. GET and DELETE answer 405.
 */
@ApiExcludeController()
@Controller(MCP_HTTP_PATH)
@UseFilters(McpHttpExceptionFilter)
export class McpHttpController implements OnModuleDestroy {
  private readonly logger = new Logger('McpHttp');
  private readonly calls = new StatelessCallTracker();
  private readonly countSent: () => void;
  /** The principal of each web Request being served, for the SDK's per-request factory. */
  private readonly principals = new WeakMap<globalThis.Request, Principal>();
  private readonly modern: McpHttpHandler;
  /** 2025-era tools/call, tools/list and ping without the SDK. */
  private readonly fast: McpHttpFastPath;

  constructor(
    private readonly factory: McpServerFactory,
    private readonly metrics: MetricsService,
    private readonly lifecycle: LifecycleService,
    private readonly rateLimiter: RateLimiter,
    private readonly admission: AdmissionService,
  ) {
    this.countSent = () => metrics.recordMessage('mcp-http', 'out');
    this.fast = new McpHttpFastPath(factory, this.calls, this.countSent);
    this.modern = createMcpHandler((context) => this.serverFor(context), {
      legacy: 'reject',
      onerror: (error) => this.logger.debug(`mcp-http: ${error.message}`),
    });
  }

  @Post()
  async handle(@Req() request: Request & RequestWithPrincipal, @Res() response: Response): Promise<void> {
    // Draining: no new sessions or calls here; requests already running finish.
    if (!this.lifecycle.acceptingWork)
      return sendError(response, 503, 'The server is shutting down; retry, another replica will answer', {}, idOf(request.body));
    // The global AuthGuard (AdmissionService's authentication step) admitted the caller.
    const principal = request.principal;
    if (!principal) throw new Error('/mcp reached without an admitted principal');
    const body: unknown = request.body;
    const messages = Array.isArray(body) ? body.length : 1;
    for (let count = messages; count > 0; count--) this.metrics.recordMessage('mcp-http', 'in');
    // The HTTP guard charged the request once; each further message of a batch is charged here.
    const decision = this.rateLimiter.consume(this.admission.clientKeyOf(principal, request), messages - 1);
    if (!decision.allowed) {
      const { retryAfterSeconds } = decision;
      return sendError(
        response,
        429,
        `Rate limit exceeded: this batch of ${messages} messages is over the budget; retry in ${retryAfterSeconds} s`,
        { 'Retry-After': String(retryAfterSeconds) },
        idOf(body),
        RATE_LIMITED_JSONRPC_CODE,
      );
    }
    // Not while tracing is on: the SDK path opens the request spans.
    if (!tracingEnabled() && this.fast.take(request, response, principal)) return;
    // A response closed before it was complete (client gone, or a 2026 caller closing its stream)
    // aborts the exchange: the SDK cancels the call, since nobody could receive its answer.
    const gone = new AbortController();
    response.once('close', () => {
      if (!response.writableFinished) gone.abort();
    });
    const webRequest = toWebRequest(request, gone.signal);
    this.principals.set(webRequest, principal);
    const answer = (await isLegacyRequest(webRequest, body))
      ? await this.serveLegacy(webRequest, body, principal)
      : await this.serveModern(webRequest, body);
    await sendWebResponse(answer, response);
  }

  onModuleDestroy(): Promise<void> {
    return this.modern.close();
  }

  private async serveModern(webRequest: globalThis.Request, body: unknown): Promise<globalThis.Response> {
    const answer = await this.modern.fetch(webRequest, { parsedBody: body });
    if (answer.body) this.countSent();
    return answer;
  }

  private async serveLegacy(webRequest: globalThis.Request, body: unknown, principal: Principal): Promise<globalThis.Response> {
    const transport = new MeteredHttpTransport(
      { sessionIdGenerator: undefined, enableJsonResponse: !asksForProgress(body) },
      this.countSent,
    );
    const server = this.factory.create({ transport: 'mcp-http', principal }, { calls: this.calls });
    // Closing the transport (client gone) aborts what is still running.
    webRequest.signal.addEventListener('abort', () => void transport.close(), { once: true });
    await server.connect(transport);
    return transport.handleRequest(webRequest, { parsedBody: body });
  }

  /** The SDK's per-request factory: a Server for the principal this request was admitted as. */
  private serverFor(context: McpRequestContext) {
    const principal = context.requestInfo ? this.principals.get(context.requestInfo) : undefined;
    // Unreachable: every request reaching the handler was admitted and recorded above.
    if (!principal) throw new Error('MCP request served without an admitted principal');
    return this.factory.create({ transport: 'mcp-http', principal }, { era: context.era });
  }

  @Get()
  refuseStream(@Res() response: Response): void {
    methodNotAllowed(response, 'this stateless endpoint offers no server-initiated stream; send requests with POST');
  }

  @Delete()
  refuseSessionEnd(@Res() response: Response): void {
    methodNotAllowed(response, 'this stateless endpoint keeps no session to end');
  }
}

function methodNotAllowed(response: Response, reason: string): void {
  sendError(response, 405, `Method not allowed: ${reason}`, { Allow: 'POST' }, null);
}

/** A request whose `_meta.progressToken` asks for progress notifications. */
function asksForProgress(body: unknown): boolean {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages.some(
    (message) => (message as { params?: { _meta?: { progressToken?: unknown } } } | null)?.params?._meta?.progressToken !== undefined,
  );
}
