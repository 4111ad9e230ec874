import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { extractTraceContext, markFailed, startSpan, tracingEnabled } from './tracer.js';

type RoutedRequest = IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };

/**
 * One SERVER span per REST request, continuing the caller's W3C `traceparent`/`tracestate`
 * headers; the tool call the endpoint makes runs inside it. Named after the matched route
 * template (`POST /api/trino/query`), never the raw URL, so caller input stays out of span names.
 */
export function traceRestRequest(request: RoutedRequest, response: ServerResponse, next: () => void): void {
  if (!tracingEnabled()) return next();
  const parent = extractTraceContext(request.headers, context.active());
  const method = request.method ?? 'GET';
  const span = startSpan(method, {
    kind: SpanKind.SERVER,
    parent,
    attributes: {
      'http.request.method': method,
      'network.transport': 'tcp',
      'network.protocol.name': 'http',
      'xdp.transport': 'rest',
      'xdp.session.kind': 'stateless',
    },
  });
  response.once('close', () => {
    const route = typeof request.route?.path === 'string' ? `${request.baseUrl ?? ''}${request.route.path}` : undefined;
    if (route !== undefined) {
      span.setAttribute('http.route', route);
      span.updateName(`${method} ${route}`);
    }
    span.setAttribute('http.response.status_code', response.statusCode);
    if (response.statusCode >= 500) markFailed(span, String(response.statusCode));
    span.end();
  });
  context.with(trace.setSpan(parent, span), next);
}
