import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { AppConfig } from '#config';
import { OriginPolicy } from '../origin/origin-policy.service.js';
import { InvalidHostError, requestHost } from './request-host.js';

/** Swagger UI (served under /api/docs) bootstraps with inline script and style. */
const DOCS_PATH = /^\/api\/docs(\/|-json|-yaml|$)/;

/** The MCP endpoint answers in JSON-RPC's error shape, whatever case or trailing slash routed there. */
const MCP_PATH = /^\/mcp\/*$/i;

/** Request headers MCP and REST browser clients send, and response headers they must read. */
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Accept', 'Mcp-Session-Id', 'Mcp-Protocol-Version', 'Last-Event-ID'];
const EXPOSED_HEADERS = ['Mcp-Session-Id', 'WWW-Authenticate', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];

/**
 * Host validation and proxy trust (TRUST_PROXY), security headers (helmet) on every HTTP
 * response and CORS restricted to CORS_ORIGINS. With an empty allow-list no CORS headers are sent
 * at all, so browsers on other origins cannot read any response. Call before routes are registered.
 */
export function applyHttpSecurity(app: INestApplication): void {
  const { trustProxy } = app.get(AppConfig).auth;
  // One hop: the ingress in front of the pod. Its X-Forwarded-For entry is the client; earlier entries are the client's own claims.
  (app.getHttpAdapter().getInstance() as { set(setting: string, value: unknown): void }).set('trust proxy', trustProxy ? 1 : false);
  app.use(hostCheck(trustProxy));
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

/**
 * Refuses a request whose Host (or trusted X-Forwarded-Host) is not a host[:port] with a 400 before
 * any route sees it: such values would otherwise surface later as a failed URL build (a 500).
 */
function hostCheck(trustProxy: boolean) {
  return (request: Request, response: Response, next: NextFunction): void => {
    try {
      requestHost(request.headers, trustProxy);
    } catch (error) {
      if (!(error instanceof InvalidHostError)) throw error;
      if (MCP_PATH.test(request.path)) response.status(400).json({ jsonrpc: '2.0', id: null, error: { code: -32600, message: error.message } });
      else response.status(400).json({ error: { status: 400, code: 'invalid_request', message: error.message } });
      return;
    }
    next();
  };
}
