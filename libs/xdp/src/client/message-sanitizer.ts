import { createSecretScrubber } from '#observability';

const MAX_MESSAGE_CHARS = 500;

export type Sanitize = (text: string) => string;

/**
 * Upstream text is untrusted: it may echo our credentials, carry control characters that would
 * forge log lines, or be a whole HTML error page. Secrets are scrubbed before truncation so a
 * secret cut in half at the boundary cannot slip through.
 */
export function createMessageSanitizer(secretValues: readonly string[]): Sanitize {
  const scrub = createSecretScrubber(secretValues);
  return (text) => {
    // Control characters from an upstream body would forge log lines or garble clients' text.
    // eslint-disable-next-line no-control-regex
    const clean = scrub(text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim());
    return clean.length > MAX_MESSAGE_CHARS ? `${clean.slice(0, MAX_MESSAGE_CHARS)}…` : clean;
  };
}
