import { Injectable } from '@nestjs/common';
import { AppConfig } from '#config';
import { SpanKind } from '@opentelemetry/api';
import { inSpan, MetricsService } from '#observability';
import { CatalogAuthorizer, sqlFingerprint } from '#security';
import { isToolError, type ToolContext, ToolError, type ToolOutput } from '#tool-contract';
import type { QueryProgress, QueryRequest, QueryResult, UpstreamIdentity } from '../engine/query-engine.js';
import { SqlGuard } from '../guard/sql-guard.js';
import { StatementRejectedError } from '../guard/statement-rejected.error.js';
import type { MetadataQueries, MetadataQuery } from '../metadata/metadata-queries.js';
import { CANDIDATE_LIMIT, candidatesQuery, type FailedStatement, missingNameOf } from '../metadata/missing-name.js';
import { doesNotExist, nearestNames } from '../metadata/nearest-names.js';
import { DataplaneRouter, type QueryTarget } from '../routing/dataplane.router.js';
import type { ExecuteQueryArgs } from './trino-tools.schemas.js';
import { planLines, type QueryResultContent, renderBoundedAnswer, renderPlanAnswer, toContent } from './query-result.format.js';

/** Rows the metadata tools return at most (catalog listings are never this long in practice). */
const METADATA_MAX_ROWS = 10_000;
/** Longest caller name put in Trino's client info (a JWT subject can be anything). */
const MAX_CLIENT_INFO_CALLER = 128;
/** The nearest-names lookup after a `*_NOT_FOUND` may take this long at most; past it the error goes out as it was. */
const NEAREST_NAMES_TIMEOUT_MS = 2_000;

/** Which tool is running, for whom and over which transport. */
export interface ToolCall {
  tool: string;
  context: ToolContext;
}

/**
 * Runs SQL for the Trino tools: routes to the dataplane's engine, puts the caller's SQL through
 * the guard, enforces the catalog allow-list and the caller's catalog scopes, row cap and timeout,
 * tells a direct Trino who the caller is, forwards progress, records metrics and audit facts, and
 * renders the result within RESULT_MAX_BYTES.
 */
@Injectable()
export class TrinoQueryService {
  readonly guard: SqlGuard;
  private readonly catalogScopes: CatalogAuthorizer;

  constructor(
    private readonly config: AppConfig,
    private readonly router: DataplaneRouter,
    private readonly metrics: MetricsService,
  ) {
    this.guard = new SqlGuard({ readOnly: config.trino.readOnly, allowedCatalogs: config.trino.allowedCatalogs });
    this.catalogScopes = new CatalogAuthorizer(config.auth.catalogScopes);
  }

  /**
   * A caller's statement. Engines receive the guard's canonical text, never the caller's. With
   * `explain`, the statement is wrapped in EXPLAIN and the wrapped statement is checked again as a
   * whole, so what runs is exactly what the guard approved.
   */
  async runUserQuery(args: ExecuteQueryArgs, call: ToolCall, options: { explain?: boolean } = {}): Promise<ToolOutput<QueryResultContent>> {
    const { context } = call;
    this.checkCatalogArgument(args.catalog, context);
    const target = await this.resolve(args.dataplane, context);
    const sessionCatalog = args.catalog ?? target.defaultCatalog;
    let checked = await this.checkStatement(args.query, sessionCatalog);
    // Every catalog the guard found (tables, functions, SHOW targets, the session catalog), before any engine is asked.
    this.checkCatalogScopes(checked.catalogs, context);
    if (options.explain) {
      if (checked.kind === 'explain')
        throw this.reject(new StatementRejectedError('syntax', 'Pass the statement to explain without EXPLAIN'));
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
      identity: this.identity(target, call),
    };
    let result = await this.execute(target, request, context).catch(async (error: unknown) => {
      throw await this.withNearestNames(
        error,
        target,
        request,
        { sql: checked.sql, catalog: sessionCatalog, schema: args.schema },
        context,
      );
    });
    if (checked.show?.kind === 'catalogs') result = this.onlyAllowedCatalogs(result, context);
    if (options.explain) return renderPlanAnswer(toContent(target.dataplane, planLines(result)), this.config.trino.resultMaxBytes);
    return this.output(target, result, args.maxRows);
  }

  /**
   * Generated metadata SQL (identifiers quoted), after checking the catalog against the allow-list.
   * `names` are the catalog, schema and table the tool was asked about: an empty answer for one that
   * does not exist is an error naming the nearest existing ones.
   */
  async runMetadata(
    call: ToolCall,
    dataplane: string | undefined,
    names: { catalog?: string; schema?: string; table?: string },
    build: (metadata: MetadataQueries) => MetadataQuery,
  ): Promise<ToolOutput<QueryResultContent>> {
    const { context } = call;
    const { catalog } = names;
    this.checkCatalogArgument(catalog, context);
    const target = await this.resolve(dataplane, context);
    const query = build(target.engine.metadata);
    const request: QueryRequest = {
      sql: query.sql,
      maxRows: METADATA_MAX_ROWS,
      maxBytes: this.config.trino.resultMaxBytes,
      timeoutMs: this.config.trino.queryTimeoutMs,
      identity: this.identity(target, call),
    };
    let result = await this.execute(target, request, context).catch(async (error: unknown) => {
      throw await this.withNearestNames(error, target, request, { sql: query.sql, catalog }, context);
    });
    if (query.reshape) result = query.reshape(result);
    if (catalog === undefined) result = this.onlyAllowedCatalogs(result, context);
    else if (result.rows.length === 0) await this.refuseUnknownNames(target, request, { ...names, catalog }, context);
    return this.output(target, result, METADATA_MAX_ROWS);
  }

  /**
   * An empty listing for a catalog, schema or table that does not exist is an error naming the
   * nearest existing ones, not "0 rows": a model would conclude it is empty. Trino answers SHOW
   * SCHEMAS FROM an unknown catalog with an error itself; other engines and queries answer nothing.
   * Each level is looked up only once the one above it exists.
   */
  private async refuseUnknownNames(
    target: QueryTarget,
    request: QueryRequest,
    { catalog, schema, table }: { catalog: string; schema?: string; table?: string },
    context: ToolContext,
  ): Promise<void> {
    const { metadata } = target.engine;
    const catalogs = (await this.listNames(target, request, metadata.catalogs(), context)).filter((name) =>
      this.visibleCatalog(name, context),
    );
    const existingCatalog = catalogs.find((name) => name.toLowerCase() === catalog.toLowerCase());
    if (existingCatalog === undefined) throw new ToolError('not_found', doesNotExist('Catalog', catalog, catalogs));
    if (schema === undefined) return;
    const schemas = await this.listNames(target, request, metadata.schemas(catalog), context);
    if (!schemas.includes(schema))
      throw new ToolError('not_found', doesNotExist('Schema', schema, schemas, `catalog ${JSON.stringify(catalog)}`));
    if (table === undefined) return;
    const tables = await this.listNames(target, request, metadata.tables(catalog, schema), context, 1);
    if (!tables.includes(table))
      throw new ToolError('not_found', doesNotExist('Table', table, tables, `schema ${JSON.stringify(`${catalog}.${schema}`)}`));
  }

  /** One column of a metadata listing (the first, or `column`), run like the tool's own query. */
  private async listNames(
    target: QueryTarget,
    request: QueryRequest,
    listing: MetadataQuery,
    context: ToolContext,
    column = 0,
  ): Promise<string[]> {
    let result = await this.execute(target, { ...request, sql: listing.sql }, context);
    if (listing.reshape) result = listing.reshape(result);
    return result.rows.map((row) => row[column]).filter((name): name is string => typeof name === 'string');
  }

  private visibleCatalog(catalog: string, context: ToolContext): boolean {
    return this.guard.isCatalogAllowed(catalog) && this.catalogScopes.allows(catalog, context);
  }

  /**
   * A Trino `*_NOT_FOUND` error with the nearest existing names appended, looked up with one
   * bounded information_schema query on the same engine, for the same caller (same identity), in a
   * catalog the caller may read; catalogs the allow-list or the caller's scopes hide are never
   * named. DuckDB says "Did you mean" itself. If the lookup fails or finds nothing, the original
   * error goes out unchanged.
   */
  private async withNearestNames(
    error: unknown,
    target: QueryTarget,
    request: QueryRequest,
    statement: FailedStatement,
    context: ToolContext,
  ): Promise<unknown> {
    if (!isToolError(error) || error.kind !== 'not_found' || target.engine.kind === 'duckdb') return error;
    const missing = missingNameOf(error.message, statement);
    if (missing === undefined) return error;
    const visible = (catalog: string) => this.visibleCatalog(catalog, context);
    if (missing.catalog !== undefined && !visible(missing.catalog)) return error;
    try {
      const lookup = candidatesQuery(missing);
      const timeoutMs = Math.min(NEAREST_NAMES_TIMEOUT_MS, request.timeoutMs);
      const signal = AbortSignal.any([context.signal, AbortSignal.timeout(timeoutMs)]);
      const result = await target.engine.execute(
        { ...request, sql: lookup.sql, show: undefined, maxRows: CANDIDATE_LIMIT, timeoutMs },
        { signal },
      );
      const names = result.rows.map((row) => row[0]).filter((name): name is string => typeof name === 'string');
      const nearest = nearestNames(missing.name, missing.what === 'Catalog' ? names.filter(visible) : names).filter(
        (name) => name !== missing.name,
      );
      if (nearest.length === 0) return error;
      return new ToolError(
        error.kind,
        `${error.message}; nearest existing ${missing.what.toLowerCase()} names: ${nearest.map((n) => JSON.stringify(n)).join(', ')}`,
        error.details,
        { cause: error },
      );
    } catch {
      return error;
    }
  }

  /** The dataplane is audited even when the statement is then refused. */
  private async resolve(dataplane: string | undefined, context: ToolContext): Promise<QueryTarget> {
    const target = await this.router.resolve(dataplane, context.signal);
    if (context.audit) context.audit.dataplane = target.dataplane;
    return target;
  }

  /** A catalog named by a tool argument becomes the session catalog (X-Trino-Catalog), so it is checked even when the SQL never uses it. */
  private checkCatalogArgument(catalog: string | undefined, context: ToolContext): void {
    if (catalog === undefined) return;
    if (!this.guard.isCatalogAllowed(catalog)) {
      throw this.reject(
        new StatementRejectedError(
          'catalog_not_allowed',
          `Catalog "${catalog}" is not allowed; allowed catalogs: ${this.guard.allowedCatalogs.join(', ')}`,
        ),
      );
    }
    this.checkCatalogScopes([catalog], context);
  }

  private checkCatalogScopes(catalogs: readonly string[], context: ToolContext): void {
    const refusal = this.catalogScopes.refusal(catalogs, context);
    if (refusal) throw this.reject(new StatementRejectedError('catalog_not_allowed', refusal.message));
  }

  /**
   * What a direct Trino is told about the caller: its user (TRINO_IMPERSONATION), its own token
   * (TRINO_AUTH=passthrough), and the tool, transport and caller for Trino's query history. Other
   * engines get nothing: XDP authenticates us, not the caller, and DuckDB has no users.
   */
  private identity(target: QueryTarget, { tool, context }: ToolCall): UpstreamIdentity | undefined {
    const { principal, transport } = context;
    const { trino } = this.config;
    const passthrough = trino.auth === 'passthrough';
    if (target.engine.kind !== 'trino') return undefined;
    if (passthrough && principal.bearerToken === undefined) {
      throw new ToolError(
        'forbidden',
        "TRINO_AUTH=passthrough queries Trino with the caller's own JWT, and this caller did not authenticate with one",
      );
    }
    const user = trino.impersonation ? principal.user : undefined;
    // Passthrough without X-Trino-User: Trino takes the user from the token, whose principal is (by default) its subject.
    if (context.audit) context.audit.upstreamUser = user ?? (passthrough ? principal.subject : trino.user);
    const caller = headerSafe(principal.subject).slice(0, MAX_CLIENT_INFO_CALLER);
    return {
      user,
      bearerToken: passthrough ? principal.bearerToken : undefined,
      clientTags: [`tool:${tool}`, `transport:${transport}`],
      clientInfo: `${tool} via ${transport} for ${caller}`,
    };
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
        span.setAttributes({
          'db.response.returned_rows': result.rows.length,
          'xdp.query.id': result.queryId,
          'xdp.result.truncated': result.truncated,
        });
        if (context.audit) context.audit.queryId = result.queryId;
        return result;
      } catch (error) {
        const outcome = isToolError(error) ? error.kind : 'internal';
        this.metrics.recordTrinoQuery(kind, outcome, (performance.now() - started) / 1000, 0);
        throw withoutToken(error, request.identity?.bearerToken?.());
      }
    });
  }

  /** Catalog listings show only what the allow-list and the caller's catalog scopes admit. */
  private onlyAllowedCatalogs(result: QueryResult, context: ToolContext): QueryResult {
    if (this.config.trino.allowedCatalogs.length === 0 && !this.catalogScopes.enforcing) return result;
    const visible = (catalog: string) => this.guard.isCatalogAllowed(catalog) && this.catalogScopes.allows(catalog, context);
    return { ...result, rows: result.rows.filter((row) => typeof row[0] === 'string' && visible(row[0])) };
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
 * A passthrough token is a request-scoped secret the log scrubber was never configured with: an
 * upstream failure that quotes it (an echoing proxy, a verbose error page) loses it here, before
 * the message reaches a log line or the caller.
 */
function withoutToken(error: unknown, token: string | undefined): unknown {
  if (token === undefined || !(error instanceof Error) || !error.message.includes(token)) return error;
  const message = error.message.replaceAll(token, '[REDACTED]');
  return isToolError(error) ? new ToolError(error.kind, message, error.details) : new ToolError('upstream', message);
}

/** Header values are Latin-1 without control characters; a JWT subject may hold anything. */
function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?');
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
