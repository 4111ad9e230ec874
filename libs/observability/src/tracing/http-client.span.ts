import { SpanKind } from '@opentelemetry/api';
import { injectTraceHeaders, inSpan, markFailed, tracingEnabled } from './tracer.js';

export interface UpstreamRequest {
  /** `trino` or `xdp`: names the span's peer (`peer.service`). */
  peer: string;
  method: string;
  url: string;
  /** Attempt number minus one: `http.request.resend_count` of a retried request. */
  resendCount?: number;
}

/**
 * One CLIENT span per physical HTTP request to an upstream, with the W3C `traceparent` of that
 * span handed to `send` for its headers. `statusOf` reads the answer's HTTP status; a thrown
 * error (connection failure, timeout) marks the span failed. Without tracing, `send` gets no headers.
 */
export function tracedUpstreamRequest<T>(
  request: UpstreamRequest,
  send: (traceHeaders: Record<string, string>) => Promise<T>,
  statusOf: (answer: T) => number | undefined,
): Promise<T> {
  if (!tracingEnabled()) return send({});
  const attributes = {
    'http.request.method': request.method,
    'url.full': urlWithoutSecrets(request.url),
    'peer.service': request.peer,
    ...(request.resendCount ? { 'http.request.resend_count': request.resendCount } : {}),
  };
  return inSpan(request.method, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    const headers: Record<string, string> = {};
    injectTraceHeaders(headers);
    const answer = await send(headers);
    const status = statusOf(answer);
    if (status !== undefined) {
      span.setAttribute('http.response.status_code', status);
      if (status >= 400) markFailed(span, String(status));
    }
    return answer;
  });
}

/**
 * Scheme, host and path only: userinfo, query string and fragment can carry credentials or
 * caller data (the scrubber then replaces a configured upstream address with its label).
 */
export function urlWithoutSecrets(url: string): string {
  if (!URL.canParse(url)) return '[unparseable URL]';
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}
