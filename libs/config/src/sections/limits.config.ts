import type { EnvReader } from '../env-reader.js';

export interface LimitsConfig {
  /** Largest accepted WebSocket frame; bigger frames close the socket with 1009. */
  wsMaxPayloadBytes: number;
  /** Interval of server pings; a peer that misses one round is terminated. */
  wsHeartbeatMs: number;
  /** Largest accepted HTTP request body (REST and /mcp). */
  httpBodyLimitBytes: number;
}

export function readLimitsConfig(env: EnvReader): LimitsConfig {
  return {
    wsMaxPayloadBytes: env.int('WS_MAX_PAYLOAD_BYTES', 1024 * 1024, { min: 1024, max: 64 * 1024 * 1024 }),
    wsHeartbeatMs: env.int('WS_HEARTBEAT_MS', 30_000, { min: 1000, max: 600_000 }),
    httpBodyLimitBytes: env.int('HTTP_BODY_LIMIT_BYTES', 1024 * 1024, { min: 1024, max: 64 * 1024 * 1024 }),
  };
}
