export { AppConfig, loadAppConfig } from './app-config.js';
export { AppConfigModule, processEnv, type AppConfigModuleOptions } from './config.module.js';
export { ConfigValidationError } from './config.error.js';
export { EnvReader, type Env } from './env-reader.js';
export type { LimitsConfig } from './sections/limits.config.js';
export type { LogLevel, NodeEnv, ServerConfig } from './sections/server.config.js';
export type { AuthConfig } from './sections/auth.config.js';
export type { TrinoConfig } from './sections/trino.config.js';
export type { XdpConfig } from './sections/xdp.config.js';
