/** Browsers cannot send an Authorization header on a WebSocket upgrade, so the token travels as `access_token`. */
export function withAccessToken(url: string, token: string | undefined): string {
  if (!token) return url;
  const withToken = new URL(url);
  withToken.searchParams.set('access_token', token);
  return withToken.toString();
}

/** The URL as it may appear in errors: without credentials in the user-info part or the query. */
export function redactUrl(url: string): string {
  const redacted = new URL(url);
  redacted.username = '';
  redacted.password = '';
  if (redacted.searchParams.has('access_token')) redacted.searchParams.set('access_token', 'REDACTED');
  return redacted.toString();
}
