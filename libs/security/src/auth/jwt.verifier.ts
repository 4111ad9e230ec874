import { createSecretKey, type KeyObject } from 'node:crypto';
import { SAFE_USER_NAME, type JwtConfig } from '#config';
import type { Principal } from '#tool-contract';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

/** Why a token was refused, in words safe to return to the caller (never claim values). */
export class JwtRejection extends Error {
  constructor(
    message: string,
    /** True when the token may be fine but the key set could not be fetched. */
    readonly keySetUnavailable = false,
    /** True when the token is valid but its caller may not be served (403, not 401). */
    readonly forbidden = false,
  ) {
    super(message);
    this.name = 'JwtRejection';
  }
}

const HMAC_ALGORITHMS = ['HS256'];
const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256'];
/** Verified tokens remembered, so a client reusing its token is not re-verified on every request. */
const CACHE_MAX_ENTRIES = 1000;
/** Upper bound on how long a verification is reused (a rotated-out signing key stops working within it). */
const CACHE_MAX_AGE_MS = 60_000;

interface CachedPrincipal {
  principal: Principal;
  reuseUntil: number;
}

/**
 * Verifies bearer JWTs: HS256 with a shared secret, or RS256/ES256 against a remote JWKS
 * (cached; an unknown `kid` refetches the set, at most once per cooldown). Checks signature,
 * algorithm, `exp`/`nbf` with clock skew, and issuer and audience when configured. A successful
 * verification is reused for the same token until it expires (at most a minute).
 */
export class JwtVerifier {
  private readonly key: KeyObject | JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly verified = new Map<string, CachedPrincipal>();

  constructor(
    private readonly config: JwtConfig,
    /** With TRINO_IMPERSONATION every caller runs as its own user, so a token without a usable user claim is refused. */
    private readonly requireUser = false,
  ) {
    if (config.secret !== undefined) {
      // A key object built once: raw bytes would be imported again on every verification.
      this.key = createSecretKey(Buffer.from(config.secret, 'utf8'));
      this.algorithms = HMAC_ALGORITHMS;
    } else if (config.jwksUrl !== undefined) {
      this.key = remoteKeySet(config);
      this.algorithms = ASYMMETRIC_ALGORITHMS;
    } else {
      throw new Error('JwtVerifier needs AUTH_JWT_SECRET or AUTH_JWKS_URL');
    }
  }

  async verify(token: string): Promise<Principal> {
    const now = Date.now();
    const cached = this.verified.get(token);
    if (cached && cached.reuseUntil > now) return cached.principal;
    if (cached) this.verified.delete(token);
    const { principal, expiresAt } = await this.verifyFully(token);
    this.remember(token, principal, Math.min(expiresAt + this.config.clockSkewSeconds * 1000, now + CACHE_MAX_AGE_MS));
    return principal;
  }

  private remember(token: string, principal: Principal, reuseUntil: number): void {
    // Oldest first out: Map iteration follows insertion order.
    if (this.verified.size >= CACHE_MAX_ENTRIES) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { principal, reuseUntil });
  }

  private async verifyFully(token: string): Promise<{ principal: Principal; expiresAt: number }> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key as JWTVerifyGetKey, {
        algorithms: this.algorithms,
        issuer: this.config.issuer,
        audience: this.config.audience.length > 0 ? this.config.audience : undefined,
        clockTolerance: this.config.clockSkewSeconds,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw describeRejection(error);
    }
    // `exp` is a required claim, so it is present once verification succeeded.
    return { principal: this.toPrincipal(payload), expiresAt: payload.exp! * 1000 };
  }

  private toPrincipal(payload: JWTPayload): Principal {
    const subject = [payload.sub, payload.client_id, payload.azp].find(
      (value): value is string => typeof value === 'string' && value !== '',
    );
    if (subject === undefined) throw new JwtRejection('token has no subject (sub, client_id or azp)');
    const principal: Principal = { subject, scopes: scopesOf(payload), authenticated: true };
    const claim = this.config.userClaim;
    const user = payload[claim];
    if (typeof user === 'string' && SAFE_USER_NAME.test(user)) return { ...principal, user };
    if (!this.requireUser) return principal;
    // The claim's value is not echoed: it may be personal data, and the caller already knows it.
    const problem =
      user === undefined
        ? `has no "${claim}" claim`
        : `has a "${claim}" claim that is not a valid user name (letters, digits and _ . @ + | : -, at most 128)`;
    throw new JwtRejection(`token ${problem} (AUTH_JWT_USER_CLAIM); queries run as the caller's own user, so one is required`, false, true);
  }
}

function remoteKeySet(config: JwtConfig): JWTVerifyGetKey {
  const keySet = createRemoteJWKSet(new URL(config.jwksUrl!), {
    cacheMaxAge: config.jwksCacheSeconds * 1000,
    cooldownDuration: config.jwksCooldownSeconds * 1000,
  });
  return async (header, token) => {
    try {
      return await keySet(header, token);
    } catch (error) {
      if (isKeySetFetchFailure(error)) throw new JwtRejection('the identity provider key set (AUTH_JWKS_URL) is unavailable', true);
      throw error;
    }
  };
}

/** Failures of fetching or parsing the key set, as opposed to a token that matches no key in it. */
function isKeySetFetchFailure(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  if (!(error instanceof errors.JOSEError)) return true;
  return error.code === 'ERR_JOSE_GENERIC';
}

function describeRejection(error: unknown): JwtRejection {
  if (error instanceof JwtRejection) return error;
  if (error instanceof errors.JWTExpired) return new JwtRejection('token expired');
  if (error instanceof errors.JWTClaimValidationFailed)
    return new JwtRejection(`token claim "${error.claim}" is invalid (${error.reason})`);
  if (error instanceof errors.JOSEAlgNotAllowed) return new JwtRejection('token algorithm is not accepted');
  if (error instanceof errors.JWSSignatureVerificationFailed) return new JwtRejection('token signature is invalid');
  if (error instanceof errors.JWKSNoMatchingKey) return new JwtRejection('token key id matches no key of the identity provider');
  return new JwtRejection('token is malformed');
}

/** OAuth puts scopes in a space-separated `scope`; Azure AD and others use `scp` (array or string). */
export function scopesOf(payload: JWTPayload): string[] {
  const scopes = new Set<string>();
  for (const claim of [payload.scope, payload.scp]) {
    const values = typeof claim === 'string' ? claim.split(' ') : Array.isArray(claim) ? claim : [];
    for (const value of values) if (typeof value === 'string' && value !== '') scopes.add(value);
  }
  return [...scopes];
}
