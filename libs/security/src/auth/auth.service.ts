import type { IncomingHttpHeaders } from 'node:http';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '#config';
import { ANONYMOUS, type Principal } from '#tool-contract';
import { AuthFailureLimiter } from '../limits/auth-failure-limiter.service.js';
import { ProtectedResource } from '../oauth/protected-resource.js';
import { AuthError } from './auth.error.js';
import { bearerToken, looksLikeJwt, type AuthRequest } from './bearer-token.js';
import { JwtRejection, JwtVerifier } from './jwt.verifier.js';
import { StaticTokenVerifier } from './static-token.verifier.js';

const REALM = 'xdp-mcp-server';
/**
 * Why a locked server (production, no credential configured) refuses a request, and how to open it.
 * The Secret name is the one the shipped Deployment reads MCP_AUTH_TOKEN from. /ready shows at most
 * 200 characters of a detail, so the whole message stays within that.
 */
export const AUTH_NOT_CONFIGURED_MESSAGE =
  'Client authentication is not configured; every request is refused. Set MCP_AUTH_TOKEN (Secret `xdp-mcp-secrets`), ' +
  'AUTH_JWT_SECRET or AUTH_JWKS_URL and restart, or AUTH_MODE=none to run open.';

/** What /ready and the startup log report about client authentication. */
export interface AuthStatus {
  /** `locked`: production without any credential — every client request is refused. */
  state: 'required' | 'locked' | 'disabled' | 'open';
  message: string;
}

/** During an identity-provider outage every request fails alike: one warning per interval is enough. */
const KEY_SET_WARNING_INTERVAL_MS = 60_000;

/**
 * Establishes who is calling, identically for REST, /mcp and the /ws upgrade.
 * Accepts the configured static tokens and, when configured, JWTs; throws AuthError
 * 401 with an RFC 6750 `WWW-Authenticate` challenge.
 */
@Injectable()
export class AuthService implements OnModuleInit {
  private readonly logger = new Logger(AuthService.name);
  private readonly staticTokens: StaticTokenVerifier;
  private readonly jwt?: JwtVerifier;
  private lastKeySetWarning = Number.NEGATIVE_INFINITY;
  /** Refusals caused by our identity provider's outage, not by the caller's credential: no brute-force count. */
  private readonly notTheCallersFault = new WeakSet<AuthError>();

  constructor(
    private readonly config: AppConfig,
    private readonly resource: ProtectedResource,
    private readonly failures: AuthFailureLimiter,
  ) {
    const { auth } = config;
    const scopes = [...auth.toolScopes, ...auth.catalogScopes].map((rule) => rule.scope);
    this.staticTokens = new StaticTokenVerifier(auth.tokens, [...new Set(scopes)]);
    this.jwt = auth.jwt ? new JwtVerifier(auth.jwt, config.trino.impersonation && config.trino.url !== undefined) : undefined;
  }

  /** True when callers must present a credential (or, locked, are refused outright). */
  get enabled(): boolean {
    return this.config.auth.locked || (this.config.auth.mode !== 'none' && (this.staticTokens.configured || this.jwt !== undefined));
  }

  get status(): AuthStatus {
    if (this.config.auth.locked) return { state: 'locked', message: AUTH_NOT_CONFIGURED_MESSAGE };
    if (this.enabled) {
      const methods = [this.staticTokens.configured && 'static tokens', this.jwt && 'JWT'].filter(Boolean).join(' and ');
      return { state: 'required', message: `Authentication required on /api, /mcp and /ws (${methods})` };
    }
    if (this.config.auth.mode === 'none') {
      return { state: 'disabled', message: 'AUTH_MODE=none: authentication is DISABLED — every caller can run every tool' };
    }
    return {
      state: 'open',
      message:
        '!!! AUTHENTICATION IS NOT CONFIGURED: anyone who can reach this server can run every tool. ' +
        'Set MCP_AUTH_TOKEN, AUTH_JWT_SECRET or AUTH_JWKS_URL (in production the server refuses every request without one) !!!',
    };
  }

  onModuleInit(): void {
    const { state, message } = this.status;
    if (state === 'required') this.logger.log(message);
    else this.logger.warn(message);
  }

  /**
   * The caller's principal, or AuthError: 401 (no or bad credential), or 429 once `clientIp` has
   * presented AUTH_FAILURE_LIMIT bad credentials in the window (checked before the credential, so
   * guessing stops).
   */
  async authenticate(request: AuthRequest): Promise<Principal> {
    if (this.config.auth.locked) throw this.unauthorized(request.headers, AUTH_NOT_CONFIGURED_MESSAGE);
    if (!this.enabled) return ANONYMOUS;
    const blockedFor = await this.failures.blockedFor(request.clientIp);
    if (blockedFor !== undefined) {
      throw new AuthError(
        429,
        `Too many failed authentication attempts from this address; retry in ${blockedFor} s`,
        undefined,
        blockedFor,
      );
    }
    try {
      return await this.verify(request);
    } catch (error) {
      // Only a presented credential is a guess; a request without one (an OAuth client's first probe) is not.
      if (error instanceof AuthError && error.status === 401 && bearerToken(request) !== undefined && !this.notTheCallersFault.has(error))
        this.failures.recordFailure(request.clientIp);
      throw error;
    }
  }

  private async verify(request: AuthRequest): Promise<Principal> {
    const token = bearerToken(request);
    if (token === undefined) throw this.unauthorized(request.headers, 'Authentication required: send Authorization: Bearer <token>');
    const principal = this.staticTokens.verify(token);
    if (principal) return principal;
    if (this.jwt && looksLikeJwt(token)) return this.verifyJwt(token, request.headers);
    throw this.unauthorized(request.headers, 'Invalid token', 'invalid_token');
  }

  private async verifyJwt(token: string, headers: IncomingHttpHeaders): Promise<Principal> {
    try {
      const principal = await this.jwt!.verify(token);
      // Only with TRINO_AUTH=passthrough does the token travel on (to Trino, never elsewhere).
      return this.config.trino.auth === 'passthrough' ? { ...principal, bearerToken: () => token } : principal;
    } catch (error) {
      if (!(error instanceof JwtRejection)) throw error;
      if (error.forbidden) throw new AuthError(403, `Forbidden: ${error.message}`);
      // The caller is told why; the operator also needs to know the identity provider is unreachable.
      if (error.keySetUnavailable) this.warnKeySetUnavailable(error.message);
      const refusal = this.unauthorized(
        headers,
        `${error.keySetUnavailable ? 'Token cannot be verified' : 'Invalid token'}: ${error.message}`,
        'invalid_token',
      );
      if (error.keySetUnavailable) this.notTheCallersFault.add(refusal);
      throw refusal;
    }
  }

  private warnKeySetUnavailable(reason: string): void {
    const now = Date.now();
    if (now - this.lastKeySetWarning < KEY_SET_WARNING_INTERVAL_MS) return;
    this.lastKeySetWarning = now;
    // "tokens: …" would read as a credential field to the log scrubber, so the reason follows a dash.
    this.logger.warn(`Cannot verify any token — ${reason}`);
  }

  /** RFC 6750 §3 challenge; with JWT auth it points MCP clients at the RFC 9728 metadata. */
  private unauthorized(headers: IncomingHttpHeaders, message: string, code?: 'invalid_token'): AuthError {
    const params = [`realm="${REALM}"`];
    if (code) params.push(`error="${code}"`, `error_description="${message.replace(/["\\]/g, '')}"`);
    if (this.resource.published) params.push(`resource_metadata="${this.resource.metadataUrl(headers)}"`);
    return new AuthError(401, message, `Bearer ${params.join(', ')}`);
  }
}
