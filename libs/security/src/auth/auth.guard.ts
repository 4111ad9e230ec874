import { type CanActivate, type ExecutionContext, ForbiddenException, HttpException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { RequestWithPrincipal } from '#tool-contract';
import type { Request, Response } from 'express';
import { OriginPolicy } from '../origin/origin-policy.service.js';
import { AuthError } from './auth.error.js';
import { AuthService } from './auth.service.js';
import { isOpenRoute } from './open-routes.js';

/** REST, which Swagger UI (served by this server) drives from the server's own origin. */
const REST_PATHS = /^\/api(\/|$)/i;

/**
 * Global guard for every HTTP route (REST /api/*, /mcp, anything added later): checks the Origin
 * (OriginPolicy) on every route it protects — whatever spelling of the path routed here, since
 * routing ignores case and a trailing slash — authenticates, and leaves the principal on
 * `request.principal`.
 * Query-string tokens are not accepted here (only on the /ws upgrade): URLs end up in logs and proxies.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly auth: AuthService,
    private readonly origins: OriginPolicy,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // WebSocket sessions are authenticated once, at the HTTP upgrade.
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<Request & RequestWithPrincipal>();
    if (isOpenRoute(context, this.reflector, request.path)) return true;
    if (!this.origins.isAllowed(request.headers, { allowOwnPage: REST_PATHS.test(request.path) })) {
      throw new ForbiddenException({ message: 'Origin not allowed: add it to CORS_ORIGINS', code: 'origin_not_allowed' });
    }
    try {
      request.principal = await this.auth.authenticate({ headers: request.headers, clientIp: request.ip });
      return true;
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      http.getResponse<Response>().set(error.headers);
      throw new HttpException({ message: error.message, code: CODE_BY_STATUS[error.status] }, error.status);
    }
  }
}

const CODE_BY_STATUS = { 401: 'unauthorized', 403: 'forbidden', 429: 'rate_limited' } as const;
