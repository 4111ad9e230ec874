import { createSecretScrubber, type ScrubberSources } from '#observability';

const MAX_MESSAGE_CHARS = 500;

/** Codes, error names and query ids are short identifiers; anything else is not shown at all. */
const IDENTIFIER = /^[A-Za-z0-9_.:-]{1,100}$/;

export type Sanitize = (text: string) => string;

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]+/g;

/**
 * Upstream text is untrusted: it may echo our credentials, carry control characters that would
 * forge log lines, or be a whole HTML error page. Secrets are scrubbed (by the application's one
 * scrubber) before truncation so a secret cut in half at the boundary cannot slip through.
 */
export function createMessageSanitizer(sources: ScrubberSources | readonly string[]): Sanitize {
  const scrub = createSecretScrubber(sources);
  return (text) => {
    // Control characters from an upstream body would forge log lines or garble clients' text.
    const clean = scrub(text.replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim());
    return clean.length > MAX_MESSAGE_CHARS ? `${clean.slice(0, MAX_MESSAGE_CHARS)}…` : clean;
  };
}

/**
 * An upstream identifier (errorCode, errorName, queryId) as a caller may see it: scrubbed, and
 * only if it still looks like an identifier — a scrubbed or free-text value is dropped, not shown.
 */
export function safeIdentifier<T extends string | number>(value: T | null | undefined, sanitize: Sanitize): T | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const clean = sanitize(value);
  return clean === value && IDENTIFIER.test(value) ? value : undefined;
}
