import type { EnvReader } from '../env-reader.js';

export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export const TRACE_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];
export type TraceSampler = (typeof TRACE_SAMPLERS)[number];

/** OpenTelemetry tracing, configured by the standard OTEL_* variables only. */
export interface TelemetryConfig {
  /** True when a traces endpoint is set and OTEL_SDK_DISABLED is not: otherwise no SDK is loaded. */
  tracingEnabled: boolean;
  serviceName: string;
  /** Full OTLP/HTTP traces URL (`…/v1/traces`). */
  tracesEndpoint?: string;
  protocol: OtlpProtocol;
  /** Sent with every export (e.g. a collector's API key); values are secrets. */
  headers: Readonly<Record<string, string>>;
  /** Extra resource attributes from OTEL_RESOURCE_ATTRIBUTES. */
  resourceAttributes: Readonly<Record<string, string>>;
  sampler: TraceSampler;
  /** Ratio of the traceidratio samplers, 0..1. */
  samplerRatio: number;
  exportTimeoutMs: number;
  batch: { scheduleDelayMs: number; exportTimeoutMs: number; maxQueueSize: number; maxExportBatchSize: number };
}

export function readTelemetryConfig(env: EnvReader): TelemetryConfig {
  const tracesEndpoint = tracesUrl(env);
  const disabled = env.bool('OTEL_SDK_DISABLED', false);
  const protocol = protocolOf(env);
  const sampler = env.oneOf('OTEL_TRACES_SAMPLER', TRACE_SAMPLERS, 'parentbased_always_on');
  return {
    tracingEnabled: tracesEndpoint !== undefined && !disabled,
    serviceName: env.string('OTEL_SERVICE_NAME', 'xdp-mcp-server'),
    tracesEndpoint,
    protocol,
    headers: { ...keyValues(env, 'OTEL_EXPORTER_OTLP_HEADERS', true), ...keyValues(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', true) },
    resourceAttributes: keyValues(env, 'OTEL_RESOURCE_ATTRIBUTES', false),
    sampler,
    samplerRatio: ratioOf(env),
    exportTimeoutMs: env.int('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', env.int('OTEL_EXPORTER_OTLP_TIMEOUT', 10_000, { min: 1, max: 600_000 }), {
      min: 1,
      max: 600_000,
    }),
    batch: {
      scheduleDelayMs: env.int('OTEL_BSP_SCHEDULE_DELAY', 5000, { min: 1, max: 600_000 }),
      exportTimeoutMs: env.int('OTEL_BSP_EXPORT_TIMEOUT', 30_000, { min: 1, max: 600_000 }),
      maxQueueSize: env.int('OTEL_BSP_MAX_QUEUE_SIZE', 2048, { min: 1, max: 1_000_000 }),
      maxExportBatchSize: env.int('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, { min: 1, max: 1_000_000 }),
    },
  };
}

/** The signal-specific URL is used as is; the generic one gets the standard `/v1/traces` path appended. */
function tracesUrl(env: EnvReader): string | undefined {
  const specific = env.httpUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  if (specific !== undefined) return specific;
  const base = env.httpUrl('OTEL_EXPORTER_OTLP_ENDPOINT');
  return base === undefined ? undefined : `${base}/v1/traces`;
}

function protocolOf(env: EnvReader): OtlpProtocol {
  const name = env.isSet('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  // gRPC would need the grpc-js stack; a collector accepts OTLP/HTTP on 4318 alongside it.
  return env.oneOf(name, OTLP_PROTOCOLS, 'http/protobuf');
}

function ratioOf(env: EnvReader): number {
  const value = env.raw('OTEL_TRACES_SAMPLER_ARG');
  if (value === undefined) return 1;
  const ratio = Number(value);
  if (Number.isFinite(ratio) && ratio >= 0 && ratio <= 1) return ratio;
  env.problem(`OTEL_TRACES_SAMPLER_ARG must be a number between 0 and 1 (got "${value}")`);
  return 1;
}

/**
 * The W3C-baggage-like `key=value,key2=value2` lists of OTEL_EXPORTER_OTLP_HEADERS and
 * OTEL_RESOURCE_ATTRIBUTES; values are percent-decoded. Header values are remembered as secrets
 * (a collector's API key travels there); a malformed entry is named without its value.
 */
function keyValues(env: EnvReader, name: string, secret: boolean): Record<string, string> {
  const entries: Record<string, string> = {};
  const raw = secret ? env.secret(name) : env.raw(name);
  if (raw === undefined) return entries;
  for (const item of raw.split(',')) {
    const separator = item.indexOf('=');
    const key = item.slice(0, separator).trim();
    if (separator <= 0 || key === '') {
      env.problem(`${name} must be a comma-separated list of key=value pairs`);
      continue;
    }
    const value = decoded(item.slice(separator + 1).trim());
    if (secret) env.remember(value);
    entries[key] = value;
  }
  return entries;
}

function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
