import { type CanActivate, type ExecutionContext, HttpException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { RequestWithPrincipal } from '#tool-contract';
import type { Request, Response } from 'express';
import { AdmissionService } from '../admission/admission.service.js';
import { AuthError } from './auth.error.js';
import { isOpenRoute } from './open-routes.js';

/**
 * Global guard for every HTTP route (REST /api/*, /mcp, anything added later): the authentication
 * step of AdmissionService, leaving the principal on `request.principal`. Its Host/Origin step ran
 * before any route (applyHttpSecurity). Query-string tokens are not accepted here (only on the /ws
 * upgrade): URLs end up in logs and proxies.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly admission: AdmissionService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // WebSocket sessions are authenticated once, at the HTTP upgrade.
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<Request & RequestWithPrincipal>();
    if (isOpenRoute(context, this.reflector, request.path)) return true;
    try {
      request.principal = await this.admission.authenticate(request, { queryToken: false });
      return true;
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      http.getResponse<Response>().set(error.headers);
      throw new HttpException({ message: error.message, code: CODE_BY_STATUS[error.status] }, error.status);
    }
  }
}

const CODE_BY_STATUS = { 401: 'unauthorized', 403: 'forbidden', 429: 'rate_limited' } as const;
