import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { TelemetryConfig } from '#config';
import type { Scrub } from '../logging/secret-scrubber.js';
import { ScrubbingSpanProcessor } from './scrubbing-span.processor.js';

export interface RunningTracing {
  /** Exports what is buffered, then stops; the global API is back to its no-op tracer. */
  shutdown(): Promise<void>;
}

/**
 * Registers the trace SDK globally: W3C propagation, an AsyncLocalStorage context manager, and a
 * batch processor exporting OTLP/HTTP (JSON or protobuf) behind the scrubber. Loaded only when an
 * endpoint is configured (see TracingService), so a server without tracing never imports it.
 */
export function startTracing(config: TelemetryConfig & { tracesEndpoint: string }, scrub: Scrub, serviceVersion: string): RunningTracing {
  const exporterOptions = { url: config.tracesEndpoint, headers: { ...config.headers }, timeoutMillis: config.exportTimeoutMs };
  const exporter: SpanExporter =
    config.protocol === 'http/json' ? new JsonTraceExporter(exporterOptions) : new ProtobufTraceExporter(exporterOptions);
  const batch = new BatchSpanProcessor(exporter, {
    scheduledDelayMillis: config.batch.scheduleDelayMs,
    exportTimeoutMillis: config.batch.exportTimeoutMs,
    maxQueueSize: config.batch.maxQueueSize,
    maxExportBatchSize: Math.min(config.batch.maxExportBatchSize, config.batch.maxQueueSize),
  });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      ...config.resourceAttributes,
      [ATTR_SERVICE_NAME]: config.serviceName,
      [ATTR_SERVICE_VERSION]: serviceVersion,
    }),
    sampler: samplerOf(config),
    spanProcessors: [new ScrubbingSpanProcessor(scrub, batch)],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    async shutdown() {
      try {
        await provider.shutdown();
      } finally {
        trace.disable();
        propagation.disable();
        context.disable();
      }
    },
  };
}

function samplerOf(config: TelemetryConfig): Sampler {
  const ratio = new TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}
