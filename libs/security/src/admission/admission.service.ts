import type { IncomingMessage } from 'node:http';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '#config';
import type { Principal } from '#tool-contract';
import { AuthError } from '../auth/auth.error.js';
import { AuthService } from '../auth/auth.service.js';
import { DnsRebindingRule, type RebindingRefusal } from '../http/dns-rebinding.rule.js';
import { clientIp } from '../http/request-host.js';
import { clientKey } from '../limits/client-key.js';

/** The parts of an HTTP request or WebSocket upgrade the entrance looks at. */
export type EntranceRequest = Pick<IncomingMessage, 'headers' | 'url' | 'socket'>;

export type AdmissionVerdict =
  | { admitted: true; principal: Principal }
  | { admitted: false; status: AuthError['status'] | RebindingRefusal['status']; message: string; headers: Record<string, string> };

/**
 * Probes and metrics are exempt from the DNS-rebinding rule: kubelet and Prometheus address the pod
 * by its IP, and these paths carry no tool data (docs/security.md).
 */
const PROBE_PATH = /^\/(health|ready|metrics)\/?$/;

/**
 * The one entrance check of every network transport: the DNS-rebinding rule (a malformed Host 400,
 * a Host or browser Origin not allowed 403), then authentication (AuthError's 401/403/429, or 503
 * while credentials cannot be verified), and the key the caller's limits are counted under.
 * HTTP routes (REST, /mcp) run its two steps where Express lets them — the Host/Origin rule as the
 * first middleware, before any body is read, and authentication in the global AuthGuard — while the
 * /ws upgrade, which no HTTP middleware or guard sees, runs both at once through `admit`. Each
 * transport only turns the verdict into its own wire shape.
 */
@Injectable()
export class AdmissionService {
  private readonly trustProxy: boolean;

  constructor(
    private readonly auth: AuthService,
    private readonly rebinding: DnsRebindingRule,
    config: AppConfig,
  ) {
    this.trustProxy = config.auth.trustProxy;
  }

  /** Undefined when the Host and Origin are allowed for this path, else the refusal to answer with. */
  refusal(request: Pick<IncomingMessage, 'headers' | 'url'>): RebindingRefusal | undefined {
    const path = (request.url ?? '/').split('?')[0];
    return PROBE_PATH.test(path) ? undefined : this.rebinding.refusal(request.headers, path);
  }

  /**
   * The caller, or an AuthError. Only a WebSocket upgrade may carry its token in the query string
   * (browsers cannot set headers on a WebSocket); elsewhere URLs end up in logs and proxies.
   */
  authenticate(request: EntranceRequest, { queryToken }: { queryToken: boolean }): Promise<Principal> {
    return this.auth.authenticate({
      headers: request.headers,
      url: queryToken ? request.url : undefined,
      clientIp: this.clientIpOf(request),
    });
  }

  /** Both steps, for an entrance no middleware or guard runs before (the /ws upgrade). */
  async admit(request: EntranceRequest): Promise<AdmissionVerdict> {
    const refusal = this.refusal(request);
    if (refusal) return { admitted: false, status: refusal.status, message: refusal.message, headers: {} };
    try {
      return { admitted: true, principal: await this.authenticate(request, { queryToken: true }) };
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      return { admitted: false, status: error.status, message: error.message, headers: error.headers };
    }
  }

  /** The key rate and connection limits count this caller under, the same on every transport. */
  clientKeyOf(principal: Principal | undefined, request: Pick<IncomingMessage, 'headers' | 'socket'>): string {
    return clientKey(principal, this.clientIpOf(request));
  }

  /** The address failed attempts are limited by (see `clientIp`, which honours TRUST_PROXY). */
  private clientIpOf(request: Pick<IncomingMessage, 'headers' | 'socket'>): string | undefined {
    return clientIp(request, this.trustProxy);
  }
}
