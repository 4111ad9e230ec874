import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Scrub } from '../logging/secret-scrubber.js';

/**
 * Runs every string attribute through the one outbound scrubber while the span can still be
 * changed (`onEnding`), before any exporter sees it: an upstream address, a token or a key that
 * reached an attribute leaves the process as `[REDACTED]` or the upstream's label, like in logs.
 */
export class ScrubbingSpanProcessor implements SpanProcessor {
  constructor(
    private readonly scrub: Scrub,
    private readonly next: SpanProcessor,
  ) {}

  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnding(span: Span): void {
    for (const [key, value] of Object.entries(span.attributes)) {
      if (typeof value === 'string') {
        const clean = this.scrub(value);
        if (clean !== value) span.setAttribute(key, clean);
      } else if (Array.isArray(value) && value.some((item) => typeof item === 'string')) {
        span.setAttribute(key, (value as unknown[]).map((item) => (typeof item === 'string' ? this.scrub(item) : item)) as string[]);
      }
    }
    if (span.status.message !== undefined) span.setStatus({ ...span.status, message: this.scrub(span.status.message) });
    this.next.onEnding?.(span);
  }

  onEnd(span: ReadableSpan): void {
    this.next.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}
