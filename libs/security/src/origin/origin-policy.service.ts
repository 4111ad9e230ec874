import type { IncomingHttpHeaders } from 'node:http';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '#config';

/** Names that always mean this machine: a DNS-rebinding attacker's page cannot be served under them. */
const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

/**
 * CSRF and DNS-rebinding defence for every authenticated entrance (/api, /mcp, /ws): a request
 * carrying an `Origin` header (i.e. sent by a browser) must come from an origin listed in
 * CORS_ORIGINS. Server-side clients send no Origin. The request's own Host is not trusted by
 * default: under DNS rebinding it is the attacker's name. Only where the caller asks for it (REST,
 * which Swagger UI's "Try it out" drives from the server's own page) is the server's own origin
 * accepted, and then only when it is addressed by a loopback name or by the host of AUTH_RESOURCE_URL.
 */
@Injectable()
export class OriginPolicy {
  private readonly allowed: ReadonlySet<string>;
  private readonly publicHost?: string;

  constructor(config: AppConfig) {
    this.allowed = new Set(config.auth.corsOrigins.map(normalize));
    this.publicHost = config.auth.resourceUrl ? new URL(config.auth.resourceUrl).host.toLowerCase() : undefined;
  }

  isAllowed(headers: IncomingHttpHeaders, { allowOwnPage = false }: { allowOwnPage?: boolean } = {}): boolean {
    const origin = headers.origin;
    if (origin === undefined) return true;
    const normalized = normalize(origin);
    return this.allowed.has(normalized) || (allowOwnPage && this.isKnownSelf(normalized, headers.host));
  }

  /** For the CORS middleware: the allow-list (never a wildcard). */
  get corsOrigins(): string[] {
    return [...this.allowed];
  }

  private isKnownSelf(origin: string, host: string | undefined): boolean {
    if (host === undefined) return false;
    const self = host.toLowerCase();
    if (origin !== `http://${self}` && origin !== `https://${self}`) return false;
    return LOOPBACK_HOST.test(self) || self === this.publicHost;
  }
}

function normalize(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}
