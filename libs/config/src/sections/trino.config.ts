import { availableParallelism } from 'node:os';
import type { EnvReader } from '../env-reader.js';

/** Below this the idle server (Node, the app, DuckDB with its sample data) cannot run a query. */
const MIN_DUCKDB_MEMORY_LIMIT_MB = 400;

export const TRINO_AUTH_MODES = ['service', 'passthrough'] as const;

export interface TrinoConfig {
  /** Direct Trino coordinator, e.g. https://trino.example.com:8443; unset = no direct engine. */
  url?: string;
  user: string;
  password?: string;
  jwt?: string;
  catalog?: string;
  schema?: string;
  source: string;
  /**
   * TRINO_IMPERSONATION: statements of a caller with a user name run as that user (X-Trino-User)
   * while the service login still authenticates the connection.
   */
  impersonation: boolean;
  /** TRINO_AUTH: `service` logs in as TRINO_USER; `passthrough` sends the caller's own bearer JWT instead. */
  auth: (typeof TRINO_AUTH_MODES)[number];
  /** Dataplane name the direct engine is listed under. */
  dataplane: string;
  readOnly: boolean;
  queryTimeoutMs: number;
  /** Empty = every catalog allowed. */
  allowedCatalogs: string[];
  /** DuckDB file for the embedded engine (opened read-only); unset = in-memory sample data. */
  duckdbPath?: string;
  /** Worker threads of the embedded DuckDB: one core stays free for the event loop. */
  duckdbThreads: number;
  /** Embedded DuckDB queries run at once; each holds a libuv worker thread while it runs. */
  duckdbMaxConcurrentQueries: number;
  /** Embedded DuckDB queries that may wait for a slot before new ones are refused as busy. */
  duckdbQueryQueueSize: number;
  /**
   * DUCKDB_MEMORY_LIMIT_MB: the process's data memory limit (RLIMIT_DATA), set when the embedded
   * engine opens, so a query whose vectors would outgrow it fails alone; unset = no limit.
   */
  duckdbMemoryLimitMb?: number;
  /** Budget of a whole query answer (text and structuredContent); also bounds the rows engines collect. */
  resultMaxBytes: number;
}

export function readTrinoConfig(env: EnvReader): TrinoConfig {
  const password = env.secret('TRINO_PASSWORD');
  const jwt = env.secret('TRINO_JWT');
  if (password && jwt) env.problem('Set only one of TRINO_PASSWORD and TRINO_JWT');
  const user = env.string('TRINO_USER', 'xdp-mcp-server');
  // Basic auth sends base64("user:password"): the pair is a secret of its own, so its encodings are scrubbed too.
  if (password) env.secrets.push(`${user}:${password}`);
  const duckdbMemoryLimitMb = env.int('DUCKDB_MEMORY_LIMIT_MB', 0, { min: 0, max: 1_048_576 });
  // Node and an idle engine alone hold ~320 MiB of data memory: a smaller cap would fail every query.
  if (duckdbMemoryLimitMb > 0 && duckdbMemoryLimitMb < MIN_DUCKDB_MEMORY_LIMIT_MB) {
    env.problem(`DUCKDB_MEMORY_LIMIT_MB must be 0 (no limit) or at least ${MIN_DUCKDB_MEMORY_LIMIT_MB} (got ${duckdbMemoryLimitMb})`);
  }
  return {
    url: env.httpUrl('TRINO_URL'),
    user,
    password,
    jwt,
    catalog: env.string('TRINO_CATALOG'),
    schema: env.string('TRINO_SCHEMA'),
    source: env.string('TRINO_SOURCE', 'xdp-mcp-server'),
    impersonation: env.bool('TRINO_IMPERSONATION', false),
    auth: env.oneOf('TRINO_AUTH', TRINO_AUTH_MODES, 'service'),
    dataplane: env.string('TRINO_DATAPLANE', 'trino'),
    readOnly: env.bool('TRINO_READ_ONLY', true),
    queryTimeoutMs: env.int('TRINO_QUERY_TIMEOUT_MS', 60_000, { min: 1000, max: 3_600_000 }),
    allowedCatalogs: env.list('TRINO_ALLOWED_CATALOGS'),
    duckdbPath: env.string('DUCKDB_PATH'),
    duckdbThreads: env.int('DUCKDB_THREADS', Math.max(1, availableParallelism() - 1), { min: 1, max: 256 }),
    // Two of libuv's four default worker threads: file, DNS and crypto work never queue behind DuckDB.
    duckdbMaxConcurrentQueries: env.int('DUCKDB_MAX_CONCURRENT_QUERIES', 2, { min: 1, max: 64 }),
    duckdbQueryQueueSize: env.int('DUCKDB_QUERY_QUEUE_SIZE', 16, { min: 0, max: 10_000 }),
    duckdbMemoryLimitMb: duckdbMemoryLimitMb || undefined,
    resultMaxBytes: env.int('RESULT_MAX_BYTES', 256 * 1024, { min: 1024, max: 16 * 1024 * 1024 }),
  };
}
