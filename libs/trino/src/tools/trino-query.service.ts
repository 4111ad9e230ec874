import { Injectable } from '@nestjs/common';
import { AppConfig } from '#config';
import { SpanKind } from '@opentelemetry/api';
import { inSpan, MetricsService } from '#observability';
import { sqlFingerprint } from '#security';
import { isToolError, type ToolContext, type ToolOutput } from '#tool-contract';
import type { QueryProgress, QueryRequest, QueryResult } from '../engine/query-engine.js';
import { SqlGuard } from '../guard/sql-guard.js';
import { StatementRejectedError } from '../guard/statement-rejected.error.js';
import type { MetadataQueries, MetadataQuery } from '../metadata/metadata-queries.js';
import { DataplaneRouter, type QueryTarget } from '../routing/dataplane.router.js';
import { type QueryResultContent, renderBoundedAnswer, toContent } from './query-result.format.js';

export interface UserQueryArgs {
  dataplane?: string;
  query: string;
  maxRows: number;
  catalog?: string;
  schema?: string;
}

/** Rows the metadata tools return at most (catalog listings are never this long in practice). */
const METADATA_MAX_ROWS = 10_000;

/**
 * Runs SQL for the Trino tools: routes to the dataplane's engine, puts the caller's SQL through
 * the guard, enforces the catalog allow-list, row cap and timeout, forwards progress, records
 * metrics, and renders the result within RESULT_MAX_BYTES.
 */
@Injectable()
export class TrinoQueryService {
  readonly guard: SqlGuard;

  constructor(
    private readonly config: AppConfig,
    private readonly router: DataplaneRouter,
    private readonly metrics: MetricsService,
  ) {
    this.guard = new SqlGuard({ readOnly: config.trino.readOnly, allowedCatalogs: config.trino.allowedCatalogs });
  }

  /**
   * A caller's statement. Engines receive the guard's canonical text, never the caller's. With
   * `explain`, the statement is wrapped in EXPLAIN and the wrapped statement is checked again as a
   * whole, so what runs is exactly what the guard approved.
   */
  async runUserQuery(args: UserQueryArgs, context: ToolContext, options: { explain?: boolean } = {}): Promise<ToolOutput<QueryResultContent>> {
    this.checkCatalogArgument(args.catalog);
    const target = await this.router.resolve(args.dataplane, context.signal);
    const sessionCatalog = args.catalog ?? target.defaultCatalog;
    let checked = await this.checkStatement(args.query, sessionCatalog);
    if (options.explain) {
      if (checked.kind === 'explain') throw this.reject(new StatementRejectedError('syntax', 'Pass the statement to explain without EXPLAIN'));
      checked = { ...(await this.checkStatement(`EXPLAIN ${checked.sql}`, sessionCatalog)), show: undefined };
    }
    const request: QueryRequest = {
      sql: checked.sql,
      show: checked.show,
      catalog: args.catalog,
      schema: args.schema,
      maxRows: args.maxRows,
      maxBytes: this.config.trino.resultMaxBytes,
      timeoutMs: this.config.trino.queryTimeoutMs,
    };
    let result = await this.execute(target, request, context);
    if (checked.show?.kind === 'catalogs') result = this.onlyAllowedCatalogs(result);
    return this.output(target, result, args.maxRows);
  }

  /** Generated metadata SQL (identifiers quoted), after checking the catalog against the allow-list. */
  async runMetadata(dataplane: string | undefined, catalog: string | undefined, build: (metadata: MetadataQueries) => MetadataQuery, context: ToolContext): Promise<ToolOutput<QueryResultContent>> {
    this.checkCatalogArgument(catalog);
    const target = await this.router.resolve(dataplane, context.signal);
    const query = build(target.engine.metadata);
    const request: QueryRequest = { sql: query.sql, maxRows: METADATA_MAX_ROWS, maxBytes: this.config.trino.resultMaxBytes, timeoutMs: this.config.trino.queryTimeoutMs };
    let result = await this.execute(target, request, context);
    if (query.reshape) result = query.reshape(result);
    if (catalog === undefined) result = this.onlyAllowedCatalogs(result);
    return this.output(target, result, METADATA_MAX_ROWS);
  }

  /** A catalog named by a tool argument becomes the session catalog (X-Trino-Catalog), so it is checked even when the SQL never uses it. */
  private checkCatalogArgument(catalog: string | undefined): void {
    if (catalog !== undefined && !this.guard.isCatalogAllowed(catalog)) {
      throw this.reject(new StatementRejectedError('catalog_not_allowed', `Catalog "${catalog}" is not allowed; allowed catalogs: ${this.guard.allowedCatalogs.join(', ')}`));
    }
  }

  /** Traced as `sql.guard`: the statement appears only as the audit log's fingerprint, never as text. */
  private checkStatement(sql: string, sessionCatalog: string | undefined) {
    return inSpan('sql.guard', { attributes: { 'xdp.sql.fingerprint': sqlFingerprint(sql) } }, async (span) => {
      try {
        const checked = await this.guard.check(sql, { catalog: sessionCatalog });
        span.setAttribute('xdp.sql.statement_kind', checked.kind);
        return checked;
      } catch (error) {
        if (error instanceof StatementRejectedError) span.setAttribute('xdp.sql.rejected_reason', error.reason);
        throw error instanceof StatementRejectedError ? this.reject(error) : error;
      }
    });
  }

  private reject(error: StatementRejectedError): StatementRejectedError {
    this.metrics.recordRejectedStatement(error.reason);
    return error;
  }

  private execute(target: QueryTarget, request: QueryRequest, context: ToolContext): Promise<QueryResult> {
    const kind = target.engine.kind;
    return inSpan(`query ${kind}`, { kind: SpanKind.CLIENT, attributes: engineAttributes(target, request) }, async (span) => {
      const started = performance.now();
      try {
        const result = await target.engine.execute(request, { signal: context.signal, onProgress: progressReporter(context) });
        this.metrics.recordTrinoQuery(kind, 'success', (performance.now() - started) / 1000, result.rows.length);
        span.setAttributes({ 'db.response.returned_rows': result.rows.length, 'xdp.query.id': result.queryId, 'xdp.result.truncated': result.truncated });
        return result;
      } catch (error) {
        const outcome = isToolError(error) ? error.kind : 'internal';
        this.metrics.recordTrinoQuery(kind, outcome, (performance.now() - started) / 1000, 0);
        throw error;
      }
    });
  }

  private onlyAllowedCatalogs(result: QueryResult): QueryResult {
    if (this.config.trino.allowedCatalogs.length === 0) return result;
    return { ...result, rows: result.rows.filter((row) => typeof row[0] === 'string' && this.guard.isCatalogAllowed(row[0])) };
  }

  /** Text and structuredContent together stay within RESULT_MAX_BYTES, whatever the engine collected. */
  private output(target: QueryTarget, result: QueryResult, maxRows: number): ToolOutput<QueryResultContent> {
    return renderBoundedAnswer(toContent(target.dataplane, result), this.config.trino.resultMaxBytes, maxRows);
  }
}

/** One engine execution: which engine and dataplane, and the session namespace (`catalog.schema`) it ran in. */
function engineAttributes(target: QueryTarget, request: QueryRequest): Record<string, string> {
  const system = target.engine.kind === 'duckdb' ? 'duckdb' : 'trino';
  const namespace = [request.catalog ?? target.defaultCatalog, request.schema].filter((part) => part !== undefined).join('.');
  return {
    'db.system.name': system,
    // The pre-1.30 name too: Jaeger and many dashboards still group database spans by it.
    'db.system': system,
    'xdp.engine': target.engine.kind,
    'xdp.dataplane': target.dataplane,
    ...(namespace === '' ? {} : { 'db.namespace': namespace }),
  };
}

/**
 * Forwards engine progress as MCP progress: `progress` counts updates (it must only increase),
 * the message carries state and rows. Unchanged updates are skipped.
 */
function progressReporter(context: ToolContext): (progress: QueryProgress) => void {
  let step = 0;
  let last = '';
  return (progress) => {
    const processed = progress.processedRows === undefined ? '' : `, ${progress.processedRows} rows processed`;
    const message = `${progress.state}${processed}, ${progress.rowsReceived} rows received`;
    if (message === last) return;
    last = message;
    step += 1;
    context.reportProgress({ progress: step, message });
  };
}

