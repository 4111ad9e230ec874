import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { AppConfig } from '#config';
import { AdmissionService } from '../admission/admission.service.js';
import { DnsRebindingRule } from './dns-rebinding.rule.js';

/** Swagger UI (served under /api/docs) bootstraps with inline script and style. */
const DOCS_PATH = /^\/api\/docs(\/|-json|-yaml|$)/;

/** The MCP endpoint answers in JSON-RPC's error shape, whatever case or trailing slash routed there. */
const MCP_PATH = /^\/mcp\/*$/i;

/** Request headers MCP and REST browser clients send, and response headers they must read. */
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Accept', 'Mcp-Session-Id', 'Mcp-Protocol-Version', 'Last-Event-ID'];
const EXPOSED_HEADERS = [
  'Mcp-Session-Id',
  'WWW-Authenticate',
  'Retry-After',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
];

/**
 * The DNS-rebinding rule (Host and Origin, before anything else runs), proxy trust (TRUST_PROXY), security headers (helmet) on every HTTP
 * response and CORS restricted to CORS_ORIGINS. With an empty allow-list no CORS headers are sent
 * at all, so browsers on other origins cannot read any response. Call before routes are registered.
 */
export function applyHttpSecurity(app: INestApplication): void {
  const { trustProxy } = app.get(AppConfig).auth;
  // One hop: the ingress in front of the pod. Its X-Forwarded-For entry is the client; earlier entries are the client's own claims.
  (app.getHttpAdapter().getInstance() as { set(setting: string, value: unknown): void }).set('trust proxy', trustProxy ? 1 : false);
  app.use(rebindingCheck(app.get(AdmissionService)));
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
  app.use((request: Request, response: Response, next: NextFunction) =>
    (DOCS_PATH.test(request.path) ? docs : strict)(request, response, next),
  );
  const origins = app.get(DnsRebindingRule).allowedOrigins;
  if (origins.length > 0) {
    app.enableCors({ origin: origins, allowedHeaders: ALLOWED_HEADERS, exposedHeaders: EXPOSED_HEADERS, maxAge: 600 });
  }
}

/**
 * The Host/Origin step of AdmissionService (a malformed Host 400, a Host or Origin not allowed
 * 403), before any route, body parser or authentication sees the request.
 */
function rebindingCheck(admission: AdmissionService) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const refusal = admission.refusal(request);
    if (refusal === undefined) return next();
    if (MCP_PATH.test(request.path))
      response.status(refusal.status).json({ jsonrpc: '2.0', id: null, error: { code: -32600, message: refusal.message } });
    else response.status(refusal.status).json({ error: { status: refusal.status, code: refusal.code, message: refusal.message } });
  };
}
