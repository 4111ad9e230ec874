export const REDACTED = '[REDACTED]';

/** An upstream address callers must not learn (mirrors `InternalEndpoint` of the configuration). */
export interface HiddenEndpoint {
  /** Shown instead, e.g. `XDP`. */
  label: string;
  url: string;
}

export interface ScrubberSources {
  /** Configured secret values, raw; their encoded forms are derived here. */
  secrets: readonly string[];
  internalEndpoints?: readonly HiddenEndpoint[];
}

export type Scrub = (text: string) => string;

/** Shorter values cannot be told from ordinary text; derived forms are only searched for longer ones. */
const MIN_SECRET_LENGTH = 4;

/**
 * Names that mark a value as a credential. `pass`, `auth`, `key`, `sig`, … only count as whole
 * names; the longer fragments also inside a name (`db_password`, `X-Amz-Signature`, `sessionToken`).
 */
const WHOLE_NAMES = 'pass|pw|pwd|auth|key|sig|sas|bearer|cookie|session';
const NAME_FRAGMENTS =
  'password|passwd|passphrase|secret|token|credential|api[_-]?key|access[_-]?key|private[_-]?key|account[_-]?key|signature|authorization|x-amz-credential|set-cookie|cookie';
const CREDENTIAL_NAME = `(?:${WHOLE_NAMES}|[\\w.-]*(?:${NAME_FRAGMENTS})[\\w.-]*)`;

/** A field or parameter name whose value is a credential (`pwd`, `auth`, `db_password`, `X-Amz-Signature`, …). */
export const CREDENTIAL_FIELD = new RegExp(`^${CREDENTIAL_NAME}$`, 'i');
/** Names that say the whole value is secret, whatever its shape; `auth`, `session`, … may hold plain settings too. */
export const STRONG_CREDENTIAL_FIELD = new RegExp(`^[\\w.-]*(?:${NAME_FRAGMENTS})[\\w.-]*$`, 'i');

/** Every credential name contains one of these: lines without any skip the name-based shapes. */
const NAME_TRIGGER = /pass|pw|auth|key|sig|sas|bearer|cookie|session|secret|token|credential/i;

interface Shape {
  pattern: RegExp;
  /** Cheap test the shape cannot match without: most log lines pass none, and are not searched further. */
  trigger: RegExp;
  /** A literal the shape cannot match without either (a quote for the JSON shapes): tested before the trigger. */
  needs?: string;
  keepSuffix?: boolean;
}

const URL_WITH_USERINFO = /:\/\/[^\s"'<>]*@/;

/** Credential shapes, each replaced wherever it appears; group 1 is kept, the rest becomes [REDACTED]. */
const SHAPES: readonly Shape[] = [
  // scheme://user:password@host (jdbc:postgresql://…, redis://…) — the whole userinfo goes; a password
  // may carry an unencoded `/` or `?`, so after `user:` everything up to the `@` counts.
  // The trigger (a `://` run up to an `@`) is what both shapes need: text with an `@` but no such URL
  // (e-mail addresses in XDP configs) skips them; tried at every letter, they cost ~14 % of an XDP call.
  // The scheme starts after a non-letter: wherever a scheme could start after a letter, it could start
  // at that letter too, so no match is lost, and the search no longer re-scans each word from every
  // letter in it (2.5x faster on a credential-bearing URL).
  { pattern: /(?<![a-z])([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]*:[^\s@"'<>]*(@)/gi, trigger: URL_WITH_USERINFO, keepSuffix: true },
  // Userinfo the shape above already replaced would be replaced by itself: its trigger skips `://[REDACTED]@`.
  { pattern: /(?<![a-z])([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+(@)/gi, trigger: /:\/\/(?!\[REDACTED\]@)[^\s/?#@"'<>]+@/, keepSuffix: true },
  // user:password@host without a scheme. The trigger is the shape's own `:password@` run: a URL whose
  // userinfo the shapes above replaced (`://[REDACTED]@`) or an e-mail address skips the search.
  {
    pattern: /()(?<![\w/:.-])[\w.%+-]+:[^\s@/"'<>:]+(@)(?=[\w-]+(?:\.[\w-]+)*(?::\d+)?\b)/g,
    trigger: /:[^\s@/"'<>:]+@/,
    keepSuffix: true,
  },
  // Authorization / Proxy-Authorization header values, whatever the scheme.
  {
    pattern: /((?:proxy-)?authorization["']?\s*[:=]\s*["']?(?:basic|bearer|digest|negotiate|token|aws4-hmac-sha256)?\s*)[^\s"',;]+/gi,
    trigger: /authorization/i,
  },
  // Basic/Bearer credentials anywhere.
  { pattern: /(\b(?:basic|bearer)\s+)[A-Za-z0-9\-._~+/]{4,}=*/gi, trigger: /basic|bearer/i },
  // Cookie header lines: every pair after the name.
  { pattern: /(\b(?:set-)?cookie\s*:\s*)[^\r\n"]+/gi, trigger: /cookie/i },
  // "password": "…" in JSON, and \"password\": \"…\" for JSON quoted inside a string.
  {
    pattern: new RegExp(`("${CREDENTIAL_NAME}"\\s*:\\s*")(?:[^"\\\\]|\\\\.)*(")`, 'gi'),
    trigger: NAME_TRIGGER,
    needs: '"',
    keepSuffix: true,
  },
  {
    pattern: new RegExp(`(\\\\+"${CREDENTIAL_NAME}\\\\+"\\s*:\\s*\\\\+")(?:.*?)(\\\\+")`, 'gi'),
    trigger: NAME_TRIGGER,
    needs: '\\"',
    keepSuffix: true,
  },
  // key=value and key: value (DSNs, query strings, header lines, YAML): a quoted value or one word.
  // Not again after a header shape above: `Authorization: Basic [REDACTED]` keeps its scheme.
  {
    pattern: new RegExp(
      `((?<![\\w-])${CREDENTIAL_NAME}\\s*[=:]\\s*)(?!\\[REDACTED\\]|(?:basic|bearer|digest|negotiate)\\s)(?:'[^']*'|"(?:[^"\\\\]|\\\\.)*"|[^\\s&;,#"'<>)}\\]]+)`,
      'gi',
    ),
    trigger: NAME_TRIGGER,
  },
  // A JWT (header and payload are base64url JSON objects), wherever a token ends up quoted.
  { pattern: /()eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, trigger: /eyJ/ },
];

/**
 * The one scrubber for everything that leaves the process: tool errors, REST and /mcp bodies,
 * /ready, log lines. It removes every configured secret in the forms it travels in (raw,
 * URL-encoded, JSON-escaped, base64 and base64url — the Trino `user:password` pair is a secret of
 * its own, so its Basic-auth encoding is covered), credential-shaped fragments (URL userinfo, DSN
 * and query `password=`, header lines, JSON keys, presigned signatures, JWTs), and shows the
 * label of an internal upstream instead of its address.
 */
export function createSecretScrubber(sources: ScrubberSources | readonly string[]): Scrub {
  const { secrets, internalEndpoints = [] } = Array.isArray(sources)
    ? { secrets: sources as readonly string[] }
    : (sources as ScrubberSources);
  const literals = literalReplacements(secrets, internalEndpoints);
  return (text: string) => {
    let result = text;
    for (const [needle, replacement] of literals) {
      if (result.includes(needle)) result = result.split(needle).join(replacement);
    }
    for (const { pattern, trigger, needs, keepSuffix } of SHAPES) {
      if ((needs !== undefined && !result.includes(needs)) || !trigger.test(result)) continue;
      result = result.replace(
        pattern,
        (_match, prefix: string, suffix: unknown) => `${prefix}${REDACTED}${keepSuffix && typeof suffix === 'string' ? suffix : ''}`,
      );
    }
    return result;
  };
}

/** Every string to replace as is, longest first so a secret containing another is replaced whole. */
function literalReplacements(secrets: readonly string[], endpoints: readonly HiddenEndpoint[]): [string, string][] {
  const pairs = new Map<string, string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    for (const form of encodedForms(secret)) pairs.set(form, REDACTED);
  }
  for (const endpoint of endpoints) {
    for (const form of addressForms(endpoint.url)) if (!pairs.has(form)) pairs.set(form, `[${endpoint.label}]`);
  }
  return [...pairs].sort(([a], [b]) => b.length - a.length);
}

function encodedForms(secret: string): string[] {
  const utf8 = Buffer.from(secret, 'utf8');
  const base64 = utf8.toString('base64');
  return [
    secret,
    encodeURIComponent(secret),
    encodeURIComponent(secret).replace(/%20/g, '+'),
    JSON.stringify(secret).slice(1, -1),
    base64,
    // Unpadded too: the form is often embedded in a longer value or written without padding.
    base64.replace(/=+$/, ''),
    utf8.toString('base64url'),
  ].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/** The URL itself, its origin and its host:port (an explicit port, or a host name too specific to be noise). */
function addressForms(url: string): string[] {
  if (!URL.canParse(url)) return [url];
  const parsed = new URL(url);
  const forms = [url, parsed.origin];
  if (parsed.port !== '' || parsed.hostname.includes('.')) forms.push(parsed.host);
  return forms.filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/** Control characters would forge log lines or garble clients' text; anything else unusual is shown as `?`. */
const UNPRINTABLE = /[^\x20-\x7e\u00a0-\u024f]/g;

/**
 * For short upstream strings shown to unauthenticated callers (/ready): scrubbed first (so a
 * secret cut at the limit cannot slip through half), then reduced to printable text and bounded.
 */
export function boundedText(scrub: Scrub, text: string, maxChars: number): string {
  const clean = scrub(text).replace(/\s+/g, ' ').replace(UNPRINTABLE, '?').trim();
  return clean.length > maxChars ? `${clean.slice(0, maxChars)}…` : clean;
}
