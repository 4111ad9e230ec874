import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { ScrubberModule } from '../logging/scrubber.module.js';
import { traceRestRequest } from './http-server.span.js';
import { TRACING_SERVICE_VERSION, TracingService } from './tracing.service.js';

/** OpenTelemetry traces (OTEL_* settings); scrubs what it exports. */
@Module({})
export class TracingModule implements NestModule {
  /** REST endpoints get their SERVER span here; MCP requests get theirs from the transports (per message). */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(traceRestRequest).forRoutes('api/*path');
  }

  static forRoot(options: { serviceVersion: string }): DynamicModule {
    return {
      module: TracingModule,
      imports: [ScrubberModule],
      providers: [TracingService, { provide: TRACING_SERVICE_VERSION, useValue: options.serviceVersion }],
    };
  }
}
