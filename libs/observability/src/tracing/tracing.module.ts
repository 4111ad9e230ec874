import { type DynamicModule, Module } from '@nestjs/common';
import { TRACING_SERVICE_VERSION, TracingService } from './tracing.service.js';

/** OpenTelemetry traces (OTEL_* settings); needs the global LoggingModule for the scrubber. */
@Module({})
export class TracingModule {
  static forRoot(options: { serviceVersion: string }): DynamicModule {
    return {
      module: TracingModule,
      providers: [TracingService, { provide: TRACING_SERVICE_VERSION, useValue: options.serviceVersion }],
    };
  }
}
