/**
 * An authentication (401), authorization (403) or brute-force (429) refusal, with the
 * `WWW-Authenticate` challenge or `Retry-After` to send back. The message is safe to show the
 * caller: it never contains the credential.
 */
export class AuthError extends Error {
  constructor(
    readonly status: 401 | 403 | 429,
    message: string,
    readonly wwwAuthenticate?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'AuthError';
  }

  /** Response headers that go with the refusal. */
  get headers(): Record<string, string> {
    if (this.retryAfterSeconds !== undefined) return { 'Retry-After': String(this.retryAfterSeconds) };
    const challenge = this.wwwAuthenticate ?? (this.status === 401 ? 'Bearer' : undefined);
    return challenge ? { 'WWW-Authenticate': challenge } : {};
  }
}
