const REDACTED = '[REDACTED]';

/** Query parameters and JSON fields whose values are credentials wherever they appear. */
const CREDENTIAL_PATTERNS: readonly RegExp[] = [
  /(access_token=)[^&\s"']+/gi,
  /("(?:authorization|accessKey|secretKey|x-api-key|password|token|secret)"\s*:\s*")(?:[^"\\]|\\.)*(")/gi,
  /(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/g,
  // A JWT (header and payload are base64url JSON objects) wherever a caller's token ends up quoted.
  /()eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g,
];

/**
 * Replaces every known secret value (and credential-shaped fragments) in serialized text.
 * Applied to each finished log line, so no code path can log a secret by accident.
 */
export function createSecretScrubber(secretValues: readonly string[]): (text: string) => string {
  // Longest first so a secret containing another is replaced whole; very short values would redact noise.
  const secrets = [...new Set(secretValues)].filter((value) => value.length >= 4).sort((a, b) => b.length - a.length);
  return (text: string) => {
    let result = text;
    for (const secret of secrets) {
      if (result.includes(secret)) result = result.split(secret).join(REDACTED);
    }
    for (const pattern of CREDENTIAL_PATTERNS) {
      // With one capture group the third callback argument is the match offset, not a suffix.
      result = result.replace(pattern, (_match, prefix: string, suffix: unknown) => `${prefix}${REDACTED}${typeof suffix === 'string' ? suffix : ''}`);
    }
    return result;
  };
}
