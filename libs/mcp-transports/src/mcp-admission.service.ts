import type { IncomingMessage } from 'node:http';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '#config';
import { AuthError, AuthService, clientIp, DnsRebindingRule, type RebindingRefusal } from '#security';
import type { Principal } from '#tool-contract';

export type Admission =
  | { admitted: true; principal: Principal }
  | { admitted: false; status: AuthError['status'] | RebindingRefusal['status']; message: string; headers: Record<string, string> };

/**
 * The entrance check shared by /ws (at the HTTP upgrade, which no HTTP middleware sees) and /mcp:
 * the DNS-rebinding rule first (a malformed Host 400, a Host or browser Origin not allowed 403),
 * then the caller is authenticated (AuthError's 401/403/429, or 503 while credentials cannot be verified).
 */
@Injectable()
export class McpAdmission {
  private readonly trustProxy: boolean;

  constructor(
    private readonly auth: AuthService,
    private readonly rebinding: DnsRebindingRule,
    config: AppConfig,
  ) {
    this.trustProxy = config.auth.trustProxy;
  }

  async admit(request: Pick<IncomingMessage, 'headers' | 'url' | 'socket'>): Promise<Admission> {
    const refusal = this.rebinding.refusal(request.headers, (request.url ?? '/').split('?')[0]);
    if (refusal) return { admitted: false, status: refusal.status, message: refusal.message, headers: {} };
    try {
      return {
        admitted: true,
        principal: await this.auth.authenticate({ headers: request.headers, url: request.url, clientIp: this.clientIpOf(request) }),
      };
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      return { admitted: false, status: error.status, message: error.message, headers: error.headers };
    }
  }

  /** The address limits are keyed on (see `clientIp`), consistent with the HTTP routes. */
  clientIpOf(request: Pick<IncomingMessage, 'headers' | 'socket'>): string | undefined {
    return clientIp(request, this.trustProxy);
  }
}
