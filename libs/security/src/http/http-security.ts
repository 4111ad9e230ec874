import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { OriginPolicy } from '../origin/origin-policy.service.js';

/** Swagger UI (served under /api/docs) bootstraps with inline script and style. */
const DOCS_PATH = /^\/api\/docs(\/|-json|-yaml|$)/;

/** Request headers MCP and REST browser clients send, and response headers they must read. */
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Accept', 'Mcp-Session-Id', 'Mcp-Protocol-Version', 'Last-Event-ID'];
const EXPOSED_HEADERS = ['Mcp-Session-Id', 'WWW-Authenticate', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];

/**
 * Security headers (helmet) on every HTTP response and CORS restricted to CORS_ORIGINS.
 * With an empty allow-list no CORS headers are sent at all, so browsers on other origins
 * cannot read any response. Call before routes are registered.
 */
export function applyHttpSecurity(app: INestApplication): void {
  // No upgrade-insecure-requests: inside a cluster the docs are often reached over plain HTTP
  // (port-forward, internal Service name), where upgrading asset URLs to https breaks the page.
  const strict = helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
  const docs = helmet({
    contentSecurityPolicy: {
      directives: {
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        upgradeInsecureRequests: null,
      },
    },
  });
  app.use((request: Request, response: Response, next: NextFunction) => (DOCS_PATH.test(request.path) ? docs : strict)(request, response, next));
  const origins = app.get(OriginPolicy).corsOrigins;
  if (origins.length > 0) {
    app.enableCors({ origin: origins, allowedHeaders: ALLOWED_HEADERS, exposedHeaders: EXPOSED_HEADERS, maxAge: 600 });
  }
}
