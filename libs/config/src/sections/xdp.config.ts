import type { EnvReader } from '../env-reader.js';

/** Where the XDP control-plane API lives on a host; the deployment guide configures the bare host. */
export const XDP_API_ROOT_PATH = '/xdp-cp-service/api';

export interface XdpConfig {
  /** False when XDP_BASE_URL is unset: the XDP tools are not registered. */
  enabled: boolean;
  /** Control-plane API root, e.g. https://xdp.example.com/xdp-cp-service/api (no trailing slash). */
  baseUrl?: string;
  accessKey?: string;
  secretKey?: string;
  /** Deadline of one XDP call, retries included. */
  timeoutMs: number;
  /** Attempts of an idempotent GET (1 = no retries); the query POST is never retried. */
  maxAttempts: number;
  /** First retry delay; doubles per attempt, with jitter. */
  retryBaseDelayMs: number;
  /** Consecutive failed requests (connection errors, timeouts, 5xx) that open the circuit breaker. */
  breakerThreshold: number;
  /** How long an open breaker fails fast before letting one probe request through. */
  breakerCooldownMs: number;
  /** Interval of the background connection check reported in /ready. */
  healthIntervalMs: number;
  /** Largest XDP response body accepted (query results included). */
  maxResponseBytes: number;
}

export function readXdpConfig(env: EnvReader): XdpConfig {
  const baseUrl = withApiRoot(env.httpUrl('XDP_BASE_URL'));
  const accessKey = env.secret('XDP_ACCESS_KEY');
  const secretKey = env.secret('XDP_SECRET_KEY');
  const urlSet = env.isSet('XDP_BASE_URL');
  if (urlSet && !accessKey) env.problem('XDP_ACCESS_KEY is required when XDP_BASE_URL is set');
  if (urlSet && !secretKey) env.problem('XDP_SECRET_KEY is required when XDP_BASE_URL is set');
  if (!urlSet && (accessKey || secretKey)) env.problem('XDP_BASE_URL is required when XDP_ACCESS_KEY or XDP_SECRET_KEY is set');
  return {
    enabled: urlSet && baseUrl !== undefined,
    baseUrl,
    accessKey,
    secretKey,
    timeoutMs: env.int('XDP_TIMEOUT_MS', 30_000, { min: 100, max: 600_000 }),
    maxAttempts: env.int('XDP_MAX_ATTEMPTS', 3, { min: 1, max: 10 }),
    retryBaseDelayMs: env.int('XDP_RETRY_BASE_DELAY_MS', 200, { min: 1, max: 60_000 }),
    breakerThreshold: env.int('XDP_BREAKER_THRESHOLD', 5, { min: 1, max: 1000 }),
    breakerCooldownMs: env.int('XDP_BREAKER_COOLDOWN_MS', 10_000, { min: 10, max: 600_000 }),
    healthIntervalMs: env.int('XDP_HEALTH_INTERVAL_MS', 30_000, { min: 100, max: 3_600_000 }),
    maxResponseBytes: env.int('XDP_MAX_RESPONSE_BYTES', 32 * 1024 * 1024, { min: 1024, max: 1024 * 1024 * 1024 }),
  };
}

/**
 * A bare host (the deployment guide's `https://your-xdp-api.example.com`) gets the control-plane
 * API root appended; a URL with a path is taken as the root itself.
 */
function withApiRoot(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  return new URL(url).pathname === '/' ? `${url}${XDP_API_ROOT_PATH}` : url;
}
