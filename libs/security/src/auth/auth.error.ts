/**
 * An authentication (401) or authorization (403) refusal, with the `WWW-Authenticate`
 * challenge to send back. The message is safe to show the caller: it never contains the credential.
 */
export class AuthError extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
    readonly wwwAuthenticate?: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}
