export { DependencyHealthRegistry, type DependencyState, type DependencyStatus } from './health/dependency-health.registry.js';
export { DependencyHealthModule } from './health/dependency-health.module.js';
export { HealthModule } from './health/health.module.js';
export { GracefulShutdown, type ConnectionCloser } from './lifecycle/graceful-shutdown.service.js';
export { InFlightCalls, type TrackedWork } from './lifecycle/in-flight-calls.service.js';
export { LifecycleModule } from './lifecycle/lifecycle.module.js';
export { LifecycleService, type LifecyclePhase } from './lifecycle/lifecycle.service.js';
export { exitGracefullyOnSignals } from './lifecycle/shutdown-signals.js';
export { LoggingModule, type LoggingOptions } from './logging/logging.module.js';
export { OutboundScrubber } from './logging/outbound-scrubber.js';
export { ScrubberModule } from './logging/scrubber.module.js';
export {
  boundedText,
  createSecretScrubber,
  CREDENTIAL_FIELD,
  REDACTED,
  STRONG_CREDENTIAL_FIELD,
  type Scrub,
  type ScrubberSources,
} from './logging/secret-scrubber.js';
export { MetricsModule } from './metrics/metrics.module.js';
export { MetricsService, type MessageDirection, type ToolCallOutcome } from './metrics/metrics.service.js';
export {
  activeTraceIds,
  extractTraceContext,
  injectTraceHeaders,
  inSpan,
  markFailed,
  startSpan,
  tracingEnabled,
  type SpanSpec,
} from './tracing/tracer.js';
export { TracingModule } from './tracing/tracing.module.js';
export { tracedUpstreamRequest, type UpstreamRequest, urlWithoutSecrets } from './tracing/http-client.span.js';
