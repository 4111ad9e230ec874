import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AdmissionService } from './admission/admission.service.js';
import { AuditLog } from './audit/audit-log.service.js';
import { AuthGuard } from './auth/auth.guard.js';
import { AuthService } from './auth/auth.service.js';
import { DnsRebindingRule } from './http/dns-rebinding.rule.js';
import { ToolAuthorizer } from './authorization/tool-authorizer.service.js';
import { AuthFailureLimiter } from './limits/auth-failure-limiter.service.js';
import { ConnectionLimiter } from './limits/connection-limiter.service.js';
import { PrincipalThrottlerGuard } from './limits/principal-throttler.guard.js';
import { RateLimiter } from './limits/rate-limiter.service.js';
import { RateLimiterModule } from './limits/rate-limiter.module.js';
import { ProtectedResource } from './oauth/protected-resource.js';
import { ProtectedResourceController } from './oauth/protected-resource.controller.js';

/**
 * Authentication, origin checks, per-tool authorization, rate and connection limits and the
 * audit trail, shared by every entrance (REST, /mcp, /ws, stdio).
 */
@Module({
  imports: [
    RateLimiterModule,
    ThrottlerModule.forRootAsync({
      imports: [RateLimiterModule],
      inject: [RateLimiter],
      useFactory: (limiter: RateLimiter) => ({
        throttlers: [{ ttl: limiter.windowMs, limit: Math.max(limiter.limit, 1) }],
        storage: limiter,
      }),
    }),
  ],
  controllers: [ProtectedResourceController],
  providers: [
    AdmissionService,
    AuthService,
    AuthFailureLimiter,
    DnsRebindingRule,
    ProtectedResource,
    ToolAuthorizer,
    AuditLog,
    ConnectionLimiter,
    // Order matters: the principal must be established before it is rate limited.
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: PrincipalThrottlerGuard },
  ],
  exports: [
    AdmissionService,
    AuthService,
    DnsRebindingRule,
    ProtectedResource,
    ToolAuthorizer,
    AuditLog,
    ConnectionLimiter,
    RateLimiterModule,
  ],
})
export class SecurityModule {}
