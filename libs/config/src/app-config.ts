import { ConfigValidationError } from './config.error.js';
import { EnvReader, type Env } from './env-reader.js';
import { readAuthConfig, type AuthConfig } from './sections/auth.config.js';
import { readLimitsConfig, type LimitsConfig } from './sections/limits.config.js';
import { readTelemetryConfig, type TelemetryConfig } from './sections/telemetry.config.js';
import { readServerConfig, type ServerConfig } from './sections/server.config.js';
import { readTrinoConfig, type TrinoConfig } from './sections/trino.config.js';
import { readXdpConfig, type XdpConfig } from './sections/xdp.config.js';

/** An upstream address callers must not learn; the scrubber shows `label` in its place. */
export interface InternalEndpoint {
  label: string;
  url: string;
}

/** The whole typed configuration, validated once at startup. Injected by its class token. */
export abstract class AppConfig {
  abstract readonly server: ServerConfig;
  abstract readonly limits: LimitsConfig;
  abstract readonly auth: AuthConfig;
  abstract readonly xdp: XdpConfig;
  abstract readonly trino: TrinoConfig;
  abstract readonly telemetry: TelemetryConfig;
  /** Every secret value read from the environment, for the redaction layer. */
  abstract readonly secretValues: readonly string[];
  /** Configured upstream URLs (XDP, Trino): internal addresses, hidden from callers and logs alike. */
  abstract readonly internalEndpoints: readonly InternalEndpoint[];
}

/** Parses and validates the environment; throws one error listing every bad variable. */
export function loadAppConfig(env: Env, argv: readonly string[] = []): AppConfig {
  const reader = new EnvReader(env);
  const server = readServerConfig(reader, argv);
  const xdp = readXdpConfig(reader);
  const trino = readTrinoConfig(reader);
  const config: AppConfig = {
    server,
    limits: readLimitsConfig(reader),
    auth: readAuthConfig(reader, server),
    xdp,
    trino,
    telemetry: readTelemetryConfig(reader),
    secretValues: reader.secrets,
    internalEndpoints: [
      ...(xdp.baseUrl ? [{ label: 'XDP', url: xdp.baseUrl }] : []),
      ...(trino.url ? [{ label: 'Trino', url: trino.url }] : []),
    ],
  };
  if (reader.problems.length > 0) throw new ConfigValidationError(reader.problems);
  return Object.freeze(config);
}
