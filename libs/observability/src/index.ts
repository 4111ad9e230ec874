export { DependencyHealthRegistry, type DependencyState, type DependencyStatus } from './health/dependency-health.registry.js';
export { HealthModule } from './health/health.module.js';
export { LifecycleService, type LifecyclePhase } from './lifecycle/lifecycle.service.js';
export { LoggingModule, type LoggingOptions } from './logging/logging.module.js';
export { createSecretScrubber } from './logging/secret-scrubber.js';
export { MetricsModule } from './metrics/metrics.module.js';
export { MetricsService, type MessageDirection, type ToolCallOutcome } from './metrics/metrics.service.js';
