import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

export const TRACER_NAME = 'xdp-mcp-server';

/** The span a call runs without tracing: every method is a no-op. */
const NOOP_SPAN = trace.wrapSpanContext({ traceId: '00000000000000000000000000000000', spanId: '0000000000000000', traceFlags: 0 });

/**
 * Set by the tracing module once the SDK is running. While false every helper below returns at
 * its first line: no context lookups, no span objects, no attribute maps (tracing off costs nothing).
 */
let enabled = false;

export function tracingEnabled(): boolean {
  return enabled;
}

/** Only the tracing module flips this, after registering (or before unregistering) the SDK. */
export function setTracingEnabled(value: boolean): void {
  enabled = value;
}

export interface SpanSpec {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Parent context; the active one when omitted. */
  parent?: Context;
}

/**
 * Runs `work` inside a new active span, ended when the work settles. A thrown error marks the
 * span as failed with `error.type` (the error's class name); its message is not recorded, since
 * messages may quote the caller's input.
 */
export async function inSpan<T>(name: string, spec: SpanSpec, work: (span: Span) => Promise<T>): Promise<T> {
  if (!enabled) return work(NOOP_SPAN);
  const parent = spec.parent ?? context.active();
  const span = trace.getTracer(TRACER_NAME).startSpan(name, { kind: spec.kind, attributes: spec.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    markFailed(span, errorType(error));
    throw error;
  } finally {
    span.end();
  }
}

/** Starts a span without making it active; the caller ends it (spans whose end is an event). */
export function startSpan(name: string, spec: SpanSpec): Span {
  if (!enabled) return NOOP_SPAN;
  return trace.getTracer(TRACER_NAME).startSpan(name, { kind: spec.kind, attributes: spec.attributes }, spec.parent ?? context.active());
}

export function markFailed(span: Span, type: string): void {
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/** A classified error's `kind` (tool errors: `timeout`, `upstream_error`, …), else the error's class name. */
function errorType(error: unknown): string {
  const kind = (error as { kind?: unknown } | null)?.kind;
  if (typeof kind === 'string') return kind;
  if (error instanceof Error) return error.name === 'Error' ? error.constructor.name : error.name;
  return '_OTHER';
}

/** W3C `traceparent`/`tracestate` of the active span, added to an outgoing request's headers. */
export function injectTraceHeaders(headers: Record<string, string>): void {
  if (!enabled) return;
  propagation.inject(context.active(), headers);
}

/** The context a caller sent in W3C `traceparent`/`tracestate` (HTTP headers or MCP `_meta`), else `fallback`. */
export function extractTraceContext(carrier: Readonly<Record<string, unknown>> | undefined, fallback: Context = ROOT_CONTEXT): Context {
  if (!enabled || carrier === undefined || typeof carrier.traceparent !== 'string') return fallback;
  const text: Record<string, string> = { traceparent: carrier.traceparent };
  if (typeof carrier.tracestate === 'string') text.tracestate = carrier.tracestate;
  const extracted = propagation.extract(fallback, text);
  return trace.getSpanContext(extracted) ? extracted : fallback;
}

/** `trace_id`/`span_id` of the active span, for log lines; undefined without one. */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  if (!enabled) return undefined;
  const spanContext = trace.getSpan(context.active())?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return undefined;
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
