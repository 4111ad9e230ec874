import type { IncomingHttpHeaders } from 'node:http';
import { Injectable } from '@nestjs/common';
import { localhostAllowedHostnames, localhostAllowedOrigins, validateHostHeader, validateOriginHeader } from '@modelcontextprotocol/server';
import { AppConfig } from '#config';
import { InvalidHostError, requestHost } from './request-host.js';

/** Why a request was refused before anything else ran; `status` is the HTTP status to answer with. */
export interface RebindingRefusal {
  status: 400 | 403;
  code: 'invalid_request' | 'host_not_allowed' | 'origin_not_allowed';
  message: string;
}

/** REST, which Swagger UI (served by this server) drives from the server's own page. */
const REST_PATH = /^\/api(\/|$)/i;

/**
 * The MCP spec's DNS-rebinding rule, one verdict for /mcp, /api and the /ws upgrade:
 * - Host (or the trusted X-Forwarded-Host) must name a localhost name (localhost, 127.0.0.1, [::1],
 *   any port), a name in ALLOWED_HOSTS, or the host of AUTH_RESOURCE_URL. A rebinding page
 *   reaches us under the attacker's name, so its Host is never on the list. A localhost name is
 *   always accepted: a browser only sends it from a page it believes is on this machine.
 * - Origin, when present (browsers), must be a localhost origin on a localhost Host, or listed in
 *   CORS_ORIGINS; REST also accepts the server's own page (Swagger UI). No Origin (server-side
 *   clients) passes.
 */
@Injectable()
export class DnsRebindingRule {
  private readonly trustProxy: boolean;
  private readonly allowedHosts: string[];
  private readonly localHosts = localhostAllowedHostnames();
  private readonly localOrigins = localhostAllowedOrigins();
  private readonly corsOrigins: ReadonlySet<string>;

  constructor(config: AppConfig) {
    const { trustProxy, allowedHosts, resourceUrl, corsOrigins } = config.auth;
    this.trustProxy = trustProxy;
    const publicHost = resourceUrl ? new URL(resourceUrl).hostname : undefined;
    this.allowedHosts = [...this.localHosts, ...allowedHosts, ...(publicHost ? [publicHost] : [])];
    this.corsOrigins = new Set(corsOrigins);
  }

  /** The CORS allow-list (never a wildcard), for the CORS middleware. */
  get allowedOrigins(): string[] {
    return [...this.corsOrigins];
  }

  /** undefined when the request may proceed; otherwise the refusal to answer with. */
  refusal(headers: IncomingHttpHeaders, path: string): RebindingRefusal | undefined {
    let host: string;
    try {
      host = requestHost(headers, this.trustProxy).host;
    } catch (error) {
      if (!(error instanceof InvalidHostError)) throw error;
      return { status: 400, code: 'invalid_request', message: error.message };
    }
    const checked = validateHostHeader(host, this.allowedHosts);
    if (!checked.ok) {
      return { status: 403, code: 'host_not_allowed', message: `Host ${checked.hostname ?? host} is not allowed: add it to ALLOWED_HOSTS` };
    }
    const origin = headers.origin;
    if (!origin || this.originAllowed(origin, checked.hostname, host, path)) return undefined;
    return { status: 403, code: 'origin_not_allowed', message: `Origin ${origin} is not allowed: add it to CORS_ORIGINS` };
  }

  private originAllowed(origin: string, hostname: string, host: string, path: string): boolean {
    const normalized = normalizeOrigin(origin);
    if (this.corsOrigins.has(normalized)) return true;
    if (this.localHosts.includes(hostname) && validateOriginHeader(origin, this.localOrigins).ok) return true;
    // The host is on the allow-list by now, so a page served under it is this server's own (Swagger UI).
    return REST_PATH.test(path) && (normalized === `http://${host.toLowerCase()}` || normalized === `https://${host.toLowerCase()}`);
  }
}

function normalizeOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}
