import { context, type Span, SpanKind, trace } from '@opentelemetry/api';
import type { Transport } from '@modelcontextprotocol/server';

import { extractTraceContext, markFailed, startSpan, tracingEnabled } from '#observability';
import type { McpSession } from './mcp-session.js';

type Handler = NonNullable<Transport['onmessage']>;
type RequestId = string | number;

/** Method names are caller input: only a plain MCP method name becomes part of a span name. */
const METHOD_NAME = /^[a-z][a-zA-Z/_]{0,63}$/;

/**
 * One SERVER span per MCP request (any transport), from the message's arrival to the response
 * the Server sends for its id. The parent is the caller's W3C context from `params._meta`
 * (traceparent/tracestate, both eras) or, on /mcp, the HTTP headers. Installed right after `server.connect`
 * (before any message can arrive: they come in later event-loop turns) around the handlers the
 * Server set: its handler runs inside the span's context, so the tool, guard, engine and upstream
 * spans become its children. A no-op without tracing.
 */
export function traceMcpMessages(transport: Transport, session: McpSession): void {
  if (!tracingEnabled()) return;
  const open = new Map<RequestId, Span>();
  const deliver = transport.onmessage;
  let clientVersion: string | undefined;
  const traced: Handler = (message, extra) => {
    const request = message as {
      id?: RequestId;
      method?: unknown;
      params?: { _meta?: Record<string, unknown>; name?: unknown; protocolVersion?: unknown };
    };
    if (typeof request.method !== 'string') return deliver?.(message, extra);
    if (request.method === 'initialize' && typeof request.params?.protocolVersion === 'string')
      clientVersion = request.params.protocolVersion;
    const headers = headersOf(extra?.request);
    const parent = extractTraceContext(request.params?._meta, extractTraceContext(headers, context.active()));
    const span = startSpan(METHOD_NAME.test(request.method) ? request.method : 'mcp.request', {
      kind: SpanKind.SERVER,
      parent,
      attributes: requestAttributes(session, request, protocolVersionOf(headers) ?? clientVersion),
    });
    // A notification has no answer: its span covers the handler's start only.
    if (request.id === undefined) {
      try {
        return context.with(trace.setSpan(parent, span), () => deliver?.(message, extra));
      } finally {
        span.end();
      }
    }
    open.get(request.id)?.end();
    open.set(request.id, span);
    context.with(trace.setSpan(parent, span), () => deliver?.(message, extra));
  };
  transport.onmessage = traced;
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    const answer = message as { id?: RequestId; result?: { isError?: unknown }; error?: { code?: unknown } };
    const span = answer.id !== undefined && ('result' in answer || 'error' in answer) ? open.get(answer.id) : undefined;
    if (span) {
      open.delete(answer.id!);
      endWithAnswer(span, answer);
    }
    return send(message, options);
  };
  const closed = transport.onclose;
  transport.onclose = () => {
    // Calls still running when the peer left get no answer: their spans end here, marked.
    for (const span of open.values()) {
      markFailed(span, 'connection_closed');
      span.end();
    }
    open.clear();
    closed?.();
  };
}

function requestAttributes(
  session: McpSession,
  request: { id?: RequestId; method?: unknown; params?: { name?: unknown } },
  protocolVersion: string | undefined,
): Record<string, string> {
  const method = request.method as string;
  return {
    'mcp.method.name': method,
    ...(request.id === undefined ? {} : { 'jsonrpc.request.id': String(request.id) }),
    ...(method === 'tools/call' && typeof request.params?.name === 'string'
      ? { 'gen_ai.tool.name': request.params.name, 'gen_ai.operation.name': 'execute_tool' }
      : {}),
    ...(protocolVersion === undefined ? {} : { 'mcp.protocol.version': protocolVersion }),
    'network.transport': session.transport === 'stdio' ? 'pipe' : 'tcp',
    'network.protocol.name': session.transport === 'ws' ? 'websocket' : session.transport === 'stdio' ? 'stdio' : 'http',
    // Stateless /mcp keeps no session; a WebSocket connection or the stdio peer is one long session.
    'xdp.session.kind': session.transport === 'mcp-http' ? 'stateless' : 'connection',
    'xdp.transport': session.transport,
  };
}

/** The HTTP headers of a /mcp request as a plain record (what the trace-context extractor reads). */
function headersOf(request: Request | undefined): Record<string, string> | undefined {
  if (!request) return undefined;
  const headers: Record<string, string> = {};
  for (const name of ['traceparent', 'tracestate', 'mcp-protocol-version']) {
    const value = request.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return headers;
}

function protocolVersionOf(headers: Record<string, unknown> | undefined): string | undefined {
  const value = headers?.['mcp-protocol-version'];
  return typeof value === 'string' ? value : undefined;
}

function endWithAnswer(span: Span, answer: { result?: { isError?: unknown }; error?: { code?: unknown } }): void {
  if (answer.error) {
    span.setAttribute('rpc.response.status_code', String(answer.error.code));
    markFailed(span, String(answer.error.code));
  } else if (answer.result?.isError === true) {
    markFailed(span, 'tool_error');
  }
  span.end();
}
