export const REDACTED = '[REDACTED]';

/** Key fragments that mark a value as a credential (case-insensitive substring match). */
const CREDENTIAL_KEY = /password|secret|key|token|credential/i;

/** `scheme://user:pass@host` — the userinfo part of a URL is a credential too. */
const URL_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s]+@/i;

/** `?password=…`, `&sas_token=…` — credential-named query parameters inside URL strings. */
const CREDENTIAL_QUERY_PARAM = /([?&][^=&#\s]*(?:password|secret|key|token|credential)[^=&#\s]*=)[^&#\s]*/gi;

/**
 * Deep copy of a free-form data store `config` with every credential-like value replaced,
 * whatever its nesting (objects inside arrays inside objects). The whole value under a
 * matching key is replaced, even when it is an object: its shape is not shown either.
 */
export function redactCredentials(value: unknown): unknown {
  if (typeof value === 'string') return redactUrlCredentials(value);
  if (Array.isArray(value)) return value.map(redactCredentials);
  if (typeof value !== 'object' || value === null) return value;
  // fromEntries defines own properties, so a `__proto__` key in XDP's JSON stays plain data.
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, CREDENTIAL_KEY.test(key) ? REDACTED : redactCredentials(entry)]));
}

// Runs on every string of every listed config: skip the regexes when they cannot match.
function redactUrlCredentials(text: string): string {
  const withoutUserinfo = text.includes('@') ? text.replace(URL_USERINFO, `$1${REDACTED}@`) : text;
  return withoutUserinfo.includes('=') ? withoutUserinfo.replace(CREDENTIAL_QUERY_PARAM, `$1${REDACTED}`) : withoutUserinfo;
}
