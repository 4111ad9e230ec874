import type { IncomingMessage } from 'node:http';
import { Injectable } from '@nestjs/common';
import { AuthError, AuthService, OriginPolicy } from '#security';
import type { Principal } from '#tool-contract';

export type Admission =
  | { admitted: true; principal: Principal }
  | { admitted: false; status: AuthError['status']; message: string; headers: Record<string, string> };

/**
 * The entrance check shared by /ws (at the HTTP upgrade) and /mcp: a disallowed browser Origin
 * is refused first (DNS-rebinding defence, 403), then the caller is authenticated (AuthError's
 * 401/403, or 503 while credentials cannot be verified).
 */
@Injectable()
export class McpAdmission {
  constructor(
    private readonly auth: AuthService,
    private readonly origins: OriginPolicy,
  ) {}

  async admit(request: Pick<IncomingMessage, 'headers' | 'url'>): Promise<Admission> {
    if (!this.origins.isAllowed(request.headers)) {
      return { admitted: false, status: 403, message: `Origin ${request.headers.origin} is not allowed`, headers: {} };
    }
    try {
      return { admitted: true, principal: await this.auth.authenticate(request) };
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      const challenge = error.wwwAuthenticate ?? (error.status === 401 ? 'Bearer' : undefined);
      return { admitted: false, status: error.status, message: error.message, headers: challenge ? { 'WWW-Authenticate': challenge } : {} };
    }
  }
}
