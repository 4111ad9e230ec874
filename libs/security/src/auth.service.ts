import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '#config';
import { ANONYMOUS, type Principal } from '#tool-contract';
import { AuthError } from './auth.error.js';

/** The parts of an HTTP request (or WebSocket upgrade) that authentication looks at. */
export interface AuthRequest {
  headers: IncomingHttpHeaders;
  url?: string;
}

/**
 * Establishes who is calling, identically for REST, /mcp and the /ws upgrade.
 * Throws AuthError (401/403) when credentials are missing or wrong.
 */
@Injectable()
export class AuthService {
  private readonly tokens: Buffer[];

  constructor(private readonly config: AppConfig) {
    this.tokens = config.auth.tokens.map((token) => Buffer.from(token, 'utf8'));
  }

  get enabled(): boolean {
    return this.config.auth.mode !== 'none' && this.tokens.length > 0;
  }

  async authenticate(request: AuthRequest): Promise<Principal> {
    if (!this.enabled) return ANONYMOUS;
    const token = bearerToken(request);
    if (token === undefined) throw new AuthError(401, 'Authentication required: send Authorization: Bearer <token>', 'Bearer');
    const index = this.tokens.findIndex((candidate) => constantTimeEquals(candidate, Buffer.from(token, 'utf8')));
    if (index < 0) throw new AuthError(401, 'Invalid token', 'Bearer error="invalid_token"');
    return { subject: `static-token-${index + 1}`, scopes: [], authenticated: true };
  }
}

/** Authorization header first; browsers cannot set headers on WebSocket, so `access_token` is accepted too. */
export function bearerToken(request: AuthRequest): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (match) return match[1];
  if (!request.url) return undefined;
  const queryToken = new URL(request.url, 'http://localhost').searchParams.get('access_token');
  return queryToken ?? undefined;
}

function constantTimeEquals(expected: Buffer, actual: Buffer): boolean {
  // Compare against a same-length buffer so timing does not reveal the expected length's match.
  const padded = Buffer.alloc(expected.length);
  actual.copy(padded, 0, 0, Math.min(actual.length, expected.length));
  return timingSafeEqual(expected, padded) && actual.length === expected.length;
}
