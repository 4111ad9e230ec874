import type { IncomingMessage } from 'node:http';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '#config';
import { AuthError, AuthService, clientIp, InvalidHostError, OriginPolicy, requestHost } from '#security';
import type { Principal } from '#tool-contract';

export type Admission =
  | { admitted: true; principal: Principal }
  | { admitted: false; status: AuthError['status'] | InvalidHostError['status']; message: string; headers: Record<string, string> };

/**
 * The entrance check shared by /ws (at the HTTP upgrade, which no HTTP middleware sees) and /mcp:
 * a malformed Host is refused (400), then a disallowed browser Origin (DNS-rebinding defence, 403),
 * then the caller is authenticated (AuthError's 401/403/429, or 503 while credentials cannot be verified).
 */
@Injectable()
export class McpAdmission {
  private readonly trustProxy: boolean;

  constructor(
    private readonly auth: AuthService,
    private readonly origins: OriginPolicy,
    config: AppConfig,
  ) {
    this.trustProxy = config.auth.trustProxy;
  }

  async admit(request: Pick<IncomingMessage, 'headers' | 'url' | 'socket'>): Promise<Admission> {
    try {
      requestHost(request.headers, this.trustProxy);
    } catch (error) {
      if (!(error instanceof InvalidHostError)) throw error;
      return { admitted: false, status: error.status, message: error.message, headers: {} };
    }
    if (!this.origins.isAllowed(request.headers)) {
      return { admitted: false, status: 403, message: `Origin ${request.headers.origin} is not allowed`, headers: {} };
    }
    try {
      return { admitted: true, principal: await this.auth.authenticate({ headers: request.headers, url: request.url, clientIp: this.clientIpOf(request) }) };
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
