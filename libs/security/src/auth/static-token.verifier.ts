import { createHash, timingSafeEqual } from 'node:crypto';
import type { StaticToken } from '#config';
import type { Principal } from '#tool-contract';

/**
 * Matches a presented token against the configured static tokens in constant time.
 * Both sides are hashed first, so neither the comparison time nor its length check reveals
 * how much of a token, or how long a token, is right; every token is compared every time.
 */
export class StaticTokenVerifier {
  private readonly digests: Buffer[];
  private readonly names: (string | undefined)[];

  constructor(
    tokens: readonly StaticToken[],
    /** Static tokens are operator credentials: they hold every scope a tool can require. */
    private readonly grantedScopes: readonly string[],
  ) {
    this.digests = tokens.map(({ token }) => digest(token));
    this.names = tokens.map(({ name }) => name);
  }

  get configured(): boolean {
    return this.digests.length > 0;
  }

  verify(token: string): Principal | undefined {
    const presented = digest(token);
    let matched = -1;
    this.digests.forEach((candidate, index) => {
      if (timingSafeEqual(candidate, presented) && matched < 0) matched = index;
    });
    if (matched < 0) return undefined;
    // A named token's name is its caller's user; an unnamed one has none (its calls run as the service user).
    const name = this.names[matched];
    if (name !== undefined) return { subject: name, user: name, scopes: this.grantedScopes, authenticated: true };
    return { subject: `static-token-${matched + 1}`, scopes: this.grantedScopes, authenticated: true };
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
