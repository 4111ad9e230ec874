import { availableParallelism } from 'node:os';
import type { TrinoTranslatorOptions } from '../dialect/trino-translator.js';
import type { EngineHealth, ExecuteOptions, QueryEngine, QueryRequest, QueryResult } from '../engine/query-engine.js';
import { DUCKDB_METADATA } from './duckdb-metadata.js';
import type { EmbeddedDuckDb } from './embedded-duckdb.js';
import { SAMPLE_CATALOG, SAMPLE_SCHEMA } from './sample-dataset.sql.js';

export interface DuckDbEngineOptions {
  /** A user's database file, opened read-only; unset = in-memory sample data. */
  path?: string;
  /** Session defaults; the sample data's `memory.sales` when unset and no file is given. */
  catalog?: string;
  schema?: string;
  /** DuckDB worker threads (DUCKDB_THREADS); the instance never uses more cores than this. */
  threads?: number;
  /** Queries run at once (DUCKDB_MAX_CONCURRENT_QUERIES); more wait in a queue. */
  maxConcurrentQueries?: number;
  /** Queries that may wait for a slot (DUCKDB_QUERY_QUEUE_SIZE); beyond it a query is refused as busy. */
  maxQueuedQueries?: number;
  /** The Trino-to-DuckDB translator's budget and idle retirement (defaults suit production). */
  translator?: TrinoTranslatorOptions;
  /** DUCKDB_MEMORY_LIMIT_MB: the process's data limit (RLIMIT_DATA) set before DuckDB opens; unset = none. */
  memoryLimitMb?: number;
}

/** The options with every default applied (the same defaults as libs/config, for engines built without it). */
export type EngineSettings = DuckDbEngineOptions &
  Required<Pick<DuckDbEngineOptions, 'threads' | 'maxConcurrentQueries' | 'maxQueuedQueries'>>;

export interface SessionDefaults {
  catalog?: string;
  schema?: string;
}

/**
 * The zero-configuration engine: embedded DuckDB, answering as dataplane `local`. The native
 * library (~300 ms to load) is imported on first use, so deployments that query Trino or XDP
 * never pay for it and the embedded one does not pay for it at startup.
 */
export class DuckDbEngine implements QueryEngine {
  readonly kind = 'duckdb' as const;
  readonly metadata = DUCKDB_METADATA;
  private readonly defaults: SessionDefaults;
  private embedded?: Promise<EmbeddedDuckDb>;
  private readonly options: EngineSettings;

  constructor(options: DuckDbEngineOptions) {
    this.options = {
      ...options,
      threads: options.threads ?? Math.max(1, availableParallelism() - 1),
      maxConcurrentQueries: options.maxConcurrentQueries ?? 2,
      maxQueuedQueries: options.maxQueuedQueries ?? 16,
    };
    this.defaults = options.path
      ? { catalog: options.catalog, schema: options.schema }
      : { catalog: options.catalog ?? SAMPLE_CATALOG, schema: options.schema ?? SAMPLE_SCHEMA };
  }

  get defaultCatalog(): string | undefined {
    return this.defaults.catalog;
  }

  /** Loads DuckDB and opens (and seeds) the database; queries wait for it. */
  async start(): Promise<void> {
    await (await this.load()).start();
  }

  async execute(request: QueryRequest, options: ExecuteOptions): Promise<QueryResult> {
    return (await this.load()).execute(request, options);
  }

  async checkHealth(): Promise<EngineHealth> {
    return (await this.load()).checkHealth();
  }

  /** Queries holding a slot and queries waiting for one (zero until the engine is first used). */
  async workload(): Promise<{ active: number; queued: number }> {
    return this.embedded ? (await this.embedded).workload : { active: 0, queued: 0 };
  }

  /** Resolves once DuckDB has let go of every query started so far, including cancelled and timed-out ones. */
  async whenIdle(): Promise<void> {
    if (this.embedded) await (await this.embedded).whenIdle();
  }

  /** Closes the database if it was ever opened; running queries are interrupted and fail as `unavailable`. */
  async close(): Promise<void> {
    if (this.embedded) await (await this.embedded).close();
  }

  private load(): Promise<EmbeddedDuckDb> {
    this.embedded ??= import('./embedded-duckdb.js').then(({ EmbeddedDuckDb }) => new EmbeddedDuckDb(this.options, this.defaults));
    return this.embedded;
  }
}
