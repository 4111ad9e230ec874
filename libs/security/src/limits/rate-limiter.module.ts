import { Module } from '@nestjs/common';
import { RateLimiter } from './rate-limiter.service.js';
import { SharedLimitStore } from './shared-limit-store.service.js';

/**
 * One RateLimiter instance, shared by the HTTP throttler (as its storage) and the WebSocket gateway,
 * and the one Redis connection (when REDIS_URL is set) behind every limit shared across replicas.
 */
@Module({ providers: [SharedLimitStore, RateLimiter], exports: [SharedLimitStore, RateLimiter] })
export class RateLimiterModule {}
