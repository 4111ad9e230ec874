/** An authentication (401) or authorization (403) refusal, with the challenge to send back. */
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
