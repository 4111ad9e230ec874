import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module.js';
import { GracefulShutdown } from './graceful-shutdown.service.js';
import { InFlightCalls } from './in-flight-calls.service.js';
import { LifecycleService } from './lifecycle.service.js';

/** The server's phase, the in-flight call tracker and the drain sequence, shared by every transport. */
@Module({
  imports: [MetricsModule],
  providers: [LifecycleService, InFlightCalls, GracefulShutdown],
  exports: [LifecycleService, InFlightCalls, GracefulShutdown],
})
export class LifecycleModule {}
