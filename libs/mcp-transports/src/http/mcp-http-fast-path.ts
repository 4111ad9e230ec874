import {
  isJsonContentType,
  type JSONRPCMessage,
  type RequestId,
  SdkError,
  SdkErrorCode,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/server';
import type { Principal } from '#tool-contract';
import type { Request, Response } from 'express';
import { errorResponse, fastRouteOf, resultResponse, serializedResultResponse } from '../fast-route.js';
import type { McpServerFactory } from '../mcp-server.factory.js';
import type { McpSession } from '../mcp-session.js';
import type { StatelessCallTracker } from './stateless-call.tracker.js';

type CallParams = { name: string; arguments?: Record<string, unknown> };

/** The versions the SDK's stateless transport accepts in an `mcp-protocol-version` header (2025 era and before). */
const LEGACY_VERSIONS: ReadonlySet<string> = new Set(SUPPORTED_PROTOCOL_VERSIONS);

/**
 * A fast path for 2025-era `tools/call`, `tools/list` and `ping` on stateless /mcp.
 *
 * Why: the /mcp profile (docs/performance.md) put SDK + zod at ~31 % of a tools/call's CPU and the
 * Node↔web adapter at ~14.5 %: per request a web Request is built, an SDK `Server` and a
 * Streamable HTTP transport are constructed and connected, zod parses the message several times,
 * and the web Response is copied back. For these three requests the answer is fixed by the
 * protocol, so they are answered here with the SDK's own bytes: the call runs through
 * McpServerFactory.runToolCall (the implementation the SDK's handler runs too) with the 2025
 * projection, and results and errors are framed as the SDK's Protocol frames them
 * (src/fast-route.ts, shared with the /ws fast path). Guards, admission, body and rate limits
 * have run before, as for every request.
 *
 * Conservative by construction: taken only for one message (no batch) of the exact common shape,
 * in the 2025 era (no envelope claim: the shape allows no other `_meta` than a progress token, and
 * the version header, if any, must name a 2025-era version), asking for no progress (the SDK would
 * answer SSE), and with the headers the SDK's stateless transport accepts in JSON mode (Accept
 * listing both media types, a JSON Content-Type). Anything else, including every case where the
 * SDK would refuse the request, gets the SDK's own answer. The controller skips it while tracing
 * is on (the SDK path opens the request spans).
 */
export class McpHttpFastPath {
  constructor(
    private readonly factory: McpServerFactory,
    private readonly calls: StatelessCallTracker,
    private readonly countSent: () => void,
  ) {}

  /** True when the request is answered here; false leaves it, untouched, to the SDK. */
  take(request: Request, response: Response, principal: Principal): boolean {
    const body = request.body as JSONRPCMessage;
    const route = fastRouteOf(body);
    if (route === undefined || route === 'cancel' || !acceptedInJsonMode(request)) return false;
    const { id, params } = body as { id: RequestId; params?: Record<string, unknown> };
    if (route === 'ping') {
      this.write(response, JSON.stringify(resultResponse(id, {})));
      return true;
    }
    const session: McpSession = { transport: 'mcp-http', principal };
    if (route === 'tools/list') {
      const json = this.listFor(session);
      if (json === undefined) return false;
      this.write(response, serializedResultResponse(id, json));
      return true;
    }
    // A progress token asks for progress: the SDK then answers SSE, which is not repeated here.
    if ((params?._meta as { progressToken?: unknown } | undefined)?.progressToken !== undefined) return false;
    void this.call(response, session, id, params as CallParams);
    return true;
  }

  /** The serialized list, or undefined when the SDK must answer (a list it rewrites, or a failure it reports as JSON-RPC). */
  private listFor(session: McpSession): string | undefined {
    try {
      return this.factory.serializedToolList(session);
    } catch {
      return undefined;
    }
  }

  private async call(response: Response, session: McpSession, id: RequestId, params: CallParams): Promise<void> {
    // The response closing early aborts the call as the SDK does when its transport closes.
    const gone = new AbortController();
    const onClose = () => {
      if (!response.writableFinished) gone.abort(new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed'));
    };
    response.once('close', onClose);
    let answer: JSONRPCMessage;
    try {
      const result = await this.factory.runToolCall(session, {
        name: params.name,
        arguments: params.arguments,
        progressToken: undefined,
        abort: gone.signal,
        enveloped: false,
        notify: noProgress,
        project: this.factory.projectLegacyResult,
        // A notifications/cancelled in another POST finds the call here, as it finds the SDK's.
        track: () => this.calls.begin(session, id, gone.signal),
      });
      answer = resultResponse(id, result);
    } catch (error) {
      answer = errorResponse(id, error);
    }
    response.off('close', onClose);
    // Nobody can receive the answer of a closed response; the SDK writes none either.
    if (!gone.signal.aborted) this.write(response, JSON.stringify(answer));
  }

  /** What the SDK's transport writes for one JSON-RPC response in JSON mode: 200, its Content-Type, one body. */
  private write(response: Response, json: string): void {
    if (response.destroyed) return;
    response.statusCode = 200;
    response.setHeader('content-type', 'application/json');
    response.end(json);
    this.countSent();
  }
}

/**
 * The header checks the SDK's stateless transport applies to a POST before it serves it as JSON, and
 * the era rule of `isLegacyRequest`: a header naming a 2026 version, or any version the SDK refuses,
 * goes to the SDK, which answers it.
 */
function acceptedInJsonMode(request: Request): boolean {
  const accept = request.headers.accept;
  if (typeof accept !== 'string' || !accept.includes('application/json') || !accept.includes('text/event-stream')) return false;
  if (!isJsonContentType(request.headers['content-type'])) return false;
  const version = request.headers['mcp-protocol-version'];
  return version === undefined || (typeof version === 'string' && LEGACY_VERSIONS.has(version));
}

/** No progress on the fast path: a request asking for it takes the SDK's SSE answer. */
function noProgress(): Promise<void> {
  return Promise.resolve();
}
