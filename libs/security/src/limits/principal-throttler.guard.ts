import { type ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { RequestWithPrincipal } from '#tool-contract';
import type { Request } from 'express';
import { AdmissionService } from '../admission/admission.service.js';
import { isOpenRoute } from '../auth/open-routes.js';
import { RateLimiter } from './rate-limiter.service.js';

/**
 * @nestjs/throttler keyed by principal (set by AuthGuard, which runs first) instead of by
 * route and IP: one budget per caller across every HTTP route, shared with WebSocket messages.
 * Answers 429 with `Retry-After` in the standard error shape.
 */
@Injectable()
export class PrincipalThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly limiter: RateLimiter,
    private readonly admission: AdmissionService,
  ) {
    super(options, storage, reflector);
  }

  /** WebSocket messages are counted by the gateway through RateLimiter.consume. */
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http' || !this.limiter.enabled) return true;
    return isOpenRoute(context, this.reflector, context.switchToHttp().getRequest<Request>().path);
  }

  protected override async getTracker(request: Record<string, any>): Promise<string> {
    const http = request as Request & RequestWithPrincipal;
    return this.admission.clientKeyOf(http.principal, http);
  }

  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return tracker;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new HttpException(
      {
        message: `Rate limit exceeded: at most ${detail.limit} requests per ${Math.round(detail.ttl / 1000)} s; retry in ${detail.timeToBlockExpire} s`,
        code: 'rate_limited',
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
