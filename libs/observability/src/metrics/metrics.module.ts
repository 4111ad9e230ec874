import { Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { register } from 'prom-client';
import { MetricsService } from './metrics.service.js';

/** Serves `/metrics` (default process metrics plus MetricsService's) and exports MetricsService. */
@Module({
  imports: [
    PrometheusModule.register({
      path: '/metrics',
      // Default collectors register process-wide once; a second application in the same process reuses them.
      defaultMetrics: { enabled: register.getSingleMetric('process_cpu_user_seconds_total') === undefined },
    }),
  ],
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MetricsModule {}
