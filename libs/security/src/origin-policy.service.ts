import type { IncomingHttpHeaders } from 'node:http';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '#config';

/**
 * DNS-rebinding defence for /mcp and /ws: a request carrying an `Origin` header must come
 * from the same host or from an origin in CORS_ORIGINS. Server-side clients send no Origin.
 */
@Injectable()
export class OriginPolicy {
  private readonly allowed: Set<string>;

  constructor(config: AppConfig) {
    this.allowed = new Set(config.auth.corsOrigins.map((origin) => origin.replace(/\/+$/, '').toLowerCase()));
  }

  isAllowed(headers: IncomingHttpHeaders): boolean {
    const origin = headers.origin;
    if (origin === undefined) return true;
    const normalized = origin.toLowerCase();
    if (this.allowed.has(normalized)) return true;
    try {
      return new URL(normalized).host === headers.host?.toLowerCase();
    } catch {
      return false;
    }
  }

  /** For the CORS middleware: the allow-list (never a wildcard). */
  get corsOrigins(): string[] {
    return [...this.allowed];
  }
}
