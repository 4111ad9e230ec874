import type { ShowStatement } from '../guard/sql-guard.js';
import type { MetadataQueries } from '../metadata/metadata-queries.js';

/** A result column with its Trino type name (`varchar`, `decimal(10,2)`, `array(integer)`, …). */
export interface ResultColumn {
  name: string;
  type: string;
}

/**
 * One cell in Trino's JSON encoding (docs/trino-client-protocol.md §5): bigint beyond 2^53 and decimals are
 * strings, row values are positional arrays, maps are objects with string keys.
 */
export type CellValue = null | boolean | number | string | CellValue[] | { [key: string]: CellValue };

export type EngineKind = 'duckdb' | 'trino' | 'xdp';

export interface QueryProgress {
  /** Upstream state, e.g. QUEUED, RUNNING, FINISHED. */
  state: string;
  processedRows?: number;
  /** Rows collected so far (after the row cap). */
  rowsReceived: number;
  progressPercentage?: number;
}

export interface QueryRequest {
  /** One statement, already checked by the guard, without a trailing `;`. */
  sql: string;
  catalog?: string;
  schema?: string;
  /** Set for SHOW/DESCRIBE statements, so engines that are not Trino can answer them their own way. */
  show?: ShowStatement;
  /** Stop reading (and cancel upstream) once this many rows are collected. */
  maxRows: number;
  /**
   * Stop reading (and cancel upstream) once the collected rows' JSON encoding reaches this many
   * bytes (RESULT_MAX_BYTES): a result is bounded in memory, not only in its text rendering.
   */
  maxBytes: number;
  timeoutMs: number;
  /** Who the statement runs for; only a direct Trino sends it upstream (the other engines have no users). */
  identity?: UpstreamIdentity;
}

/** The caller as a direct Trino sees it (impersonation, passthrough, query history). */
export interface UpstreamIdentity {
  /** X-Trino-User; absent = TRINO_USER, or with a passthrough token the token's own principal. */
  user?: string;
  /**
   * TRINO_AUTH=passthrough: the caller's bearer JWT, sent instead of the service login. A function,
   * so the request object never holds the token as data that could be logged.
   */
  bearerToken?: () => string;
  /** X-Trino-Client-Tags: tool and transport, as `key:value` tags. */
  clientTags: string[];
  /** X-Trino-Client-Info: tool, transport and caller, for Trino's query history. */
  clientInfo: string;
}

export interface ExecuteOptions {
  signal: AbortSignal;
  onProgress?: (progress: QueryProgress) => void;
}

export interface QueryStats {
  state: string;
  elapsedMs: number;
  processedRows?: number;
  processedBytes?: number;
}

export interface QueryResult {
  queryId: string;
  columns: ResultColumn[];
  rows: CellValue[][];
  /** True when more rows existed than `maxRows` or than fit in `maxBytes` (reading stopped there). */
  truncated: boolean;
  /** Which bound stopped reading, when `truncated`. */
  truncatedBy?: 'rows' | 'bytes';
  stats: QueryStats;
}

/** Cached view of an engine's reachability, refreshed in the background. */
export interface EngineHealth {
  status: 'up' | 'down' | 'unknown';
  checkedAt?: string;
  latencyMs?: number;
  message?: string;
}

/** Something that runs one read statement and returns its rows in Trino's shape. */
export interface QueryEngine {
  readonly kind: EngineKind;
  /** The SQL this engine answers the metadata tools with. */
  readonly metadata: MetadataQueries;
  execute(request: QueryRequest, options: ExecuteOptions): Promise<QueryResult>;
  /** A cheap, bounded reachability check; never throws. */
  checkHealth(): Promise<EngineHealth>;
}
