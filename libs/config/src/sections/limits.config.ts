import type { EnvReader } from '../env-reader.js';

/** What a limit does when its shared store cannot answer in time: let the request through, or refuse it. */
export type StoreErrorPolicy = 'open' | 'closed';

/** Redis holding the rate-limit windows and connection caps that every replica shares. */
export interface SharedLimitStoreConfig {
  /** `redis://host:port[/db]` or `rediss://…`, without credentials. */
  url: string;
  username: string | undefined;
  password: string | undefined;
  /** Prepended to every key, so several deployments can share one Redis. */
  keyPrefix: string;
  /** Bound on connecting and on each command; a slower answer counts as a store error. */
  timeoutMs: number;
}

export interface LimitsConfig {
  /** Largest accepted WebSocket frame; bigger frames close the socket with 1009. */
  wsMaxPayloadBytes: number;
  /** Interval of server pings; a peer that misses one round is terminated. */
  wsHeartbeatMs: number;
  /** Largest accepted HTTP request body (REST and /mcp). */
  httpBodyLimitBytes: number;
  /** How long in-flight tool calls may run after SIGTERM before they are aborted; below the pod's termination grace. */
  shutdownGraceMs: number;
  /** A WebSocket session that sends nothing for this long is closed; 0 = never. */
  wsIdleTimeoutMs: number;
  /** Open WebSocket connections for the whole process (per-client caps live in the auth settings). */
  maxConnections: number;
  /** Tool calls running at once across every transport; excess calls are answered "busy" at once. */
  maxInFlightCalls: number;
  /** Unsent bytes a WebSocket may queue; above it the server stops reading that client until it catches up. */
  wsMaxBufferedBytes: number;
  /** A WebSocket message whose frames are not complete this long after its first bytes closes the connection (1008). */
  wsPartialMessageTimeoutMs: number;
  /** Bytes of unfinished WebSocket messages held across all connections; the connection that exceeds it is closed. */
  wsMaxPartialMessageBytes: number;
  /** Tool calls one authenticated principal may run at once across all its sessions; 0 = only the global cap. */
  maxInFlightPerPrincipal: number;
  /** Shared store for the limits (REDIS_URL); undefined keeps them in this process's memory. */
  sharedStore: SharedLimitStoreConfig | undefined;
  /** RATE_LIMIT_ON_STORE_ERROR: behaviour of the shared limits while the store is unreachable. */
  onStoreError: StoreErrorPolicy;
}

export function readLimitsConfig(env: EnvReader): LimitsConfig {
  return {
    wsMaxPayloadBytes: env.int('WS_MAX_PAYLOAD_BYTES', 1024 * 1024, { min: 1024, max: 64 * 1024 * 1024 }),
    wsHeartbeatMs: env.int('WS_HEARTBEAT_MS', 30_000, { min: 1000, max: 600_000 }),
    httpBodyLimitBytes: env.int('HTTP_BODY_LIMIT_BYTES', 1024 * 1024, { min: 1024, max: 64 * 1024 * 1024 }),
    shutdownGraceMs: env.int('SHUTDOWN_GRACE_MS', 20_000, { min: 0, max: 600_000 }),
    wsIdleTimeoutMs: env.int('WS_IDLE_TIMEOUT_MS', 600_000, { min: 0, max: 86_400_000 }),
    maxConnections: env.int('MAX_CONNECTIONS', 10_000, { min: 1, max: 1_000_000 }),
    maxInFlightCalls: env.int('MAX_IN_FLIGHT_CALLS', 1024, { min: 1, max: 1_000_000 }),
    wsMaxBufferedBytes: env.int('WS_MAX_BUFFERED_BYTES', 4 * 1024 * 1024, { min: 64 * 1024, max: 1024 * 1024 * 1024 }),
    wsPartialMessageTimeoutMs: env.int('WS_PARTIAL_MESSAGE_TIMEOUT_MS', 10_000, { min: 100, max: 600_000 }),
    wsMaxPartialMessageBytes: env.int('WS_MAX_PARTIAL_MESSAGE_BYTES', 64 * 1024 * 1024, { min: 64 * 1024, max: 16 * 1024 * 1024 * 1024 }),
    maxInFlightPerPrincipal: env.int('MAX_IN_FLIGHT_PER_PRINCIPAL', 256, { min: 0, max: 1_000_000 }),
    sharedStore: readSharedStore(env),
    onStoreError: env.oneOf('RATE_LIMIT_ON_STORE_ERROR', ['open', 'closed'] as const, 'open'),
  };
}

function readSharedStore(env: EnvReader): SharedLimitStoreConfig | undefined {
  // Read unconditionally so every setting is known to the loader, whether Redis is used or not.
  const url = env.string('REDIS_URL');
  const username = env.string('REDIS_USERNAME');
  const password = env.secret('REDIS_PASSWORD');
  const keyPrefix = env.string('REDIS_KEY_PREFIX', 'xdp-mcp:');
  const timeoutMs = env.int('REDIS_TIMEOUT_MS', 250, { min: 10, max: 10_000 });
  if (url === undefined) {
    if (password !== undefined || username !== undefined) env.problem('REDIS_USERNAME/REDIS_PASSWORD are set but REDIS_URL is not');
    return undefined;
  }
  if (!env.urlWithoutCredentials('REDIS_URL', url)) return undefined;
  if (!/^rediss?:\/\/[^/?#]+(\/\d{1,2})?\/?$/.test(url)) {
    env.problem(`REDIS_URL must look like redis://host:port[/db] or rediss://host:port[/db] (got "${url}")`);
    return undefined;
  }
  return { url, username, password, keyPrefix, timeoutMs };
}
