import { Module } from '@nestjs/common';
import { RateLimiter } from './rate-limiter.service.js';

/** One RateLimiter instance, shared by the HTTP throttler (as its storage) and the WebSocket gateway. */
@Module({ providers: [RateLimiter], exports: [RateLimiter] })
export class RateLimiterModule {}
