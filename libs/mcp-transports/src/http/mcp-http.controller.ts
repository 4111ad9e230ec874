import { Controller, Delete, Get, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { LifecycleService, MetricsService } from '#observability';
import { clientKey, RATE_LIMITED_JSONRPC_CODE, RateLimiter } from '#security';
import type { Principal, RequestWithPrincipal } from '#tool-contract';
import type { Request, Response } from 'express';
import { McpAdmission } from '../mcp-admission.service.js';
import { McpServerFactory } from '../mcp-server.factory.js';
import { MeteredHttpTransport } from './metered-http.transport.js';
import { StatelessCallTracker } from './stateless-call.tracker.js';

export const MCP_HTTP_PATH = 'mcp';

/**
 * MCP Streamable HTTP, stateless: every POST is served on its own (any replica can answer any
 * request), by the SDK's transport. Answers are JSON, or SSE when the request asked for
 * progress (JSON mode would drop the progress notifications). No server-initiated stream is
 * offered, so GET and DELETE answer 405.
 */
@ApiExcludeController()
@Controller(MCP_HTTP_PATH)
export class McpHttpController {
  private readonly calls = new StatelessCallTracker();
  private readonly countSent: () => void;

  constructor(
    private readonly factory: McpServerFactory,
    private readonly admission: McpAdmission,
    private readonly metrics: MetricsService,
    private readonly lifecycle: LifecycleService,
    private readonly rateLimiter: RateLimiter,
  ) {
    this.countSent = () => metrics.recordMessage('mcp-http', 'out');
  }

  @Post()
  async handle(@Req() request: Request & RequestWithPrincipal, @Res() response: Response): Promise<void> {
    // Draining: no new sessions or calls here; requests already running finish.
    if (!this.lifecycle.acceptingWork) return sendError(response, 503, 'The server is shutting down; retry, another replica will answer', {});
    const principal = await this.principalOf(request, response);
    if (!principal) return;
    const body: unknown = request.body;
    const messages = Array.isArray(body) ? body.length : 1;
    for (let count = messages; count > 0; count--) this.metrics.recordMessage('mcp-http', 'in');
    // The HTTP guard charged the request once; each further message of a batch is charged here.
    const decision = this.rateLimiter.consume(clientKey(principal, request.ip), messages - 1);
    if (!decision.allowed) {
      const { retryAfterSeconds } = decision;
      return sendError(response, 429, `Rate limit exceeded: this batch of ${messages} messages is over the budget; retry in ${retryAfterSeconds} s`, { 'Retry-After': String(retryAfterSeconds) }, RATE_LIMITED_JSONRPC_CODE);
    }
    const transport = new MeteredHttpTransport({ sessionIdGenerator: undefined, enableJsonResponse: !asksForProgress(body) }, this.countSent);
    // A Server per request costs ~10 us once the validator is shared; reusing Servers measured no gain.
    const server = this.factory.create({ transport: 'mcp-http', principal }, { calls: this.calls });
    // Closing the transport (response done, or client gone) aborts what is still running.
    response.once('close', () => void transport.close());
    await server.connect(transport);
    await transport.handleRequest(request, response, body);
  }

  /** The principal a global auth guard already established, else the entrance check is made here. */
  private async principalOf(request: Request & RequestWithPrincipal, response: Response): Promise<Principal | undefined> {
    if (request.principal) return request.principal;
    const admission = await this.admission.admit(request);
    if (admission.admitted) return admission.principal;
    sendError(response, admission.status, admission.message, admission.headers);
    return undefined;
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
  sendError(response, 405, `Method not allowed: ${reason}`, { Allow: 'POST' });
}

/** A request whose `_meta.progressToken` asks for progress notifications. */
function asksForProgress(body: unknown): boolean {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages.some((message) => (message as { params?: { _meta?: { progressToken?: unknown } } } | null)?.params?._meta?.progressToken !== undefined);
}

function sendError(response: Response, status: number, message: string, headers: Record<string, string>, code = -32000): void {
  response
    .status(status)
    .set(headers)
    .json({ jsonrpc: '2.0', error: { code, message }, id: null });
}
