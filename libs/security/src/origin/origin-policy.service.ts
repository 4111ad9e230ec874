import type { IncomingHttpHeaders } from 'node:http';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '#config';

/**
 * DNS-rebinding defence for /mcp and /ws: a request carrying an `Origin` header (i.e. sent by a
 * browser) must come from an origin listed in CORS_ORIGINS. Server-side clients send no Origin.
 * The request's own Host is deliberately not trusted: under DNS rebinding it is the attacker's name.
 */
@Injectable()
export class OriginPolicy {
  private readonly allowed: ReadonlySet<string>;

  constructor(config: AppConfig) {
    this.allowed = new Set(config.auth.corsOrigins.map(normalize));
  }

  isAllowed(headers: IncomingHttpHeaders): boolean {
    const origin = headers.origin;
    if (origin === undefined) return true;
    return this.allowed.has(normalize(origin));
  }

  /** For the CORS middleware: the allow-list (never a wildcard). */
  get corsOrigins(): string[] {
    return [...this.allowed];
  }
}

function normalize(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}
