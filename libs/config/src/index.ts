export { AppConfig, loadAppConfig, type InternalEndpoint } from './app-config.js';
export { AppConfigModule, processEnv, type AppConfigModuleOptions } from './config.module.js';
export { ConfigValidationError } from './config.error.js';
export { EnvReader, type Env } from './env-reader.js';
export { knownSettings } from './known-settings.js';
export type { LimitsConfig, SharedLimitStoreConfig, StoreErrorPolicy } from './sections/limits.config.js';
export type { LogLevel, NodeEnv, ServerConfig } from './sections/server.config.js';
export {
  SAFE_USER_NAME,
  type AuthConfig,
  type CatalogScopeRule,
  type JwtConfig,
  type RateLimitConfig,
  type StaticToken,
  type ToolScopeRule,
} from './sections/auth.config.js';
export type { TrinoConfig } from './sections/trino.config.js';
export type { XdpConfig } from './sections/xdp.config.js';
export type { OtlpProtocol, TelemetryConfig, TraceSampler } from './sections/telemetry.config.js';
