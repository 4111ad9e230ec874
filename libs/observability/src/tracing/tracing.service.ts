import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '#config';
import { OutboundScrubber } from '../logging/outbound-scrubber.js';
import { setTracingEnabled, tracingEnabled } from './tracer.js';
import type { RunningTracing } from './tracing-sdk.js';

/** Injection token: the `service.version` resource attribute. */
export const TRACING_SERVICE_VERSION = Symbol('TRACING_SERVICE_VERSION');

/**
 * Starts OpenTelemetry tracing when an OTLP endpoint is configured, and flushes it on shutdown.
 * Spans are made by hand where work happens (no auto-instrumentation), so the SDK can start with
 * the application instead of before every other import. Without an endpoint nothing is loaded.
 */
@Injectable()
export class TracingService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Tracing');
  private running?: RunningTracing;

  constructor(
    private readonly config: AppConfig,
    private readonly scrubber: OutboundScrubber,
    @Inject(TRACING_SERVICE_VERSION) private readonly serviceVersion: string,
  ) {}

  async onModuleInit(): Promise<void> {
    const { telemetry } = this.config;
    if (!telemetry.tracingEnabled || telemetry.tracesEndpoint === undefined) return;
    // One SDK per process: a second application in the same process (tests) keeps the first one's.
    if (tracingEnabled()) return;
    const { startTracing } = await import('./tracing-sdk.js');
    this.running = startTracing({ ...telemetry, tracesEndpoint: telemetry.tracesEndpoint }, this.scrubber.scrub, this.serviceVersion);
    setTracingEnabled(true);
    this.logger.log(`Exporting traces (${telemetry.protocol}) as service ${telemetry.serviceName}, sampler ${telemetry.sampler}`);
  }

  /** Runs after the HTTP server stopped accepting and running calls drained: their spans are complete. */
  async onApplicationShutdown(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    setTracingEnabled(false);
    try {
      await running.shutdown();
    } catch (error) {
      this.logger.warn(`Traces not flushed at shutdown: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
