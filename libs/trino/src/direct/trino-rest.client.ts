import { Logger } from '@nestjs/common';
import { fetch, type RequestInit, type Response } from 'undici';
import { injectTraceHeaders, tracedUpstreamRequest } from '#observability';
import { isToolError, ToolError } from '#tool-contract';
import { AttemptFailure, parseRetryAfterMs, upstreamAgent, UpstreamPolicy } from '#xdp';
import type { ExecuteOptions, QueryRequest, QueryResult, ResultColumn, UpstreamIdentity } from '../engine/query-engine.js';
import { QueryDeadline } from '../engine/query-deadline.js';
import { queryFailure, upstreamExcerpt } from '../engine/query-errors.js';
import { RowCollector } from '../engine/row-budget.js';
import { parseTrinoJson } from './trino-json.js';
import { isQueryResults, type TrinoQueryResults } from './trino-protocol.types.js';

export interface TrinoClientOptions {
  /** Coordinator root, e.g. https://trino.example.com:8443 (no trailing slash). */
  baseUrl: string;
  user: string;
  password?: string;
  jwt?: string;
  source: string;
  catalog?: string;
  schema?: string;
  /** Attempts per GET on 502/503/504/429 or a connection failure (default 8), under the shared UpstreamPolicy. */
  maxGetAttempts?: number;
  /** Longest wait honoured from a Retry-After header (default 10 s). */
  maxRetryAfterMs?: number;
}

const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
const RETRY_BASE_DELAY_MS = 100;
const USER_AGENT = 'xdp-mcp-server';
/** `/v1/info` is a few hundred bytes; anything far larger is not Trino. */
const INFO_MAX_BYTES = 64 * 1024;
const MIN_PAGE_LIMIT_BYTES = 8 * 1024 * 1024;
/** Trino's query ids look like `20240101_120000_00001_abcde`; anything else from a coordinator is not shown to callers. */
const TRINO_QUERY_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * The largest Trino page (POST reply or GET nextUri) read for a result budget of `maxBytes`.
 * Trino aims pages at 1 MB by default but never splits a row, so a page may exceed the budget
 * that rows are cut to; four budgets (at least 8 MiB) leave that headroom while keeping one
 * page, its parsed rows and the answer well inside a 512 MiB pod.
 */
export function pageLimitBytes(maxBytes: number): number {
  return Math.max(4 * maxBytes, MIN_PAGE_LIMIT_BYTES);
}

/**
 * A focused client for Trino's statement protocol. The npm `trino-client`
 * does not fit: no retries on 502/503/504/429, no AbortSignal, query errors
 * and the POST reply not surfaced, Basic auth only, bigints rounded by `JSON.parse`, no client
 * capabilities, shared mutable session state between concurrent queries, and cancel via
 * `DELETE /v1/query/{id}` instead of `nextUri`. fetch goes through this client's own undici keep-alive
 * agent (the settings of the XDP pool, `upstreamAgent`), so sequential pages of a query reuse pooled
 * connections; `close()` ends them. fetch rather than `request`: it decompresses as it streams, so the
 * page limit counts decompressed bytes.
 */
export class TrinoRestClient {
  private readonly logger = new Logger(TrinoRestClient.name);
  /** Retries of page GETs; no breaker: a failed coordinator is reported by the engine health check, and each query's POST is never retried. */
  private readonly policy: UpstreamPolicy;
  private readonly maxRetryAfterMs: number;
  /** scheme://host:port of TRINO_URL: the only place credentials are sent. */
  private readonly origin: string;
  private readonly dispatcher = upstreamAgent();

  constructor(private readonly options: TrinoClientOptions) {
    this.policy = new UpstreamPolicy({ maxAttempts: options.maxGetAttempts ?? 8, baseDelayMs: RETRY_BASE_DELAY_MS });
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
    this.origin = new URL(options.baseUrl).origin;
  }

  /**
   * Submits one statement and follows `nextUri` until it is absent (the only "done" signal),
   * collecting up to `maxRows` rows and `maxBytes` of row JSON. On either cap, timeout or caller
   * abort the query is cancelled upstream with `DELETE nextUri`, fire-and-forget. Every page is
   * read with a size limit, and `nextUri`/`infoUri` must stay on TRINO_URL's origin.
   */
  async execute(request: QueryRequest, options: ExecuteOptions): Promise<QueryResult> {
    const deadline = new QueryDeadline(options.signal, request.timeoutMs);
    const started = performance.now();
    const pageLimit = pageLimitBytes(request.maxBytes);
    // Every request of a query (POST, GETs, the cancel) goes as the same user with the same credential.
    const headers = this.headers(request.identity);
    let nextUri: string | undefined;
    try {
      let page = await this.submit(request, headers, deadline, pageLimit);
      let columns: ResultColumn[] | undefined;
      const collector = new RowCollector(request.maxRows, request.maxBytes);
      let emptyPages = 0;
      for (;;) {
        nextUri = page.nextUri;
        columns ??= page.columns?.map(({ name, type }) => ({ name, type }));
        const data = page.data ?? [];
        for (const row of data) if (!collector.add(row)) break;
        options.onProgress?.({
          state: page.stats?.state ?? 'UNKNOWN',
          processedRows: page.stats?.processedRows,
          progressPercentage: page.stats?.progressPercentage,
          rowsReceived: collector.rows.length,
        });
        if (page.error) throw queryFailure(page.error, 'Trino');
        const { truncatedBy } = collector;
        if (truncatedBy !== undefined || nextUri === undefined) {
          return {
            queryId: shownQueryId(page.id),
            columns: columns ?? [],
            rows: collector.rows,
            truncated: truncatedBy !== undefined,
            truncatedBy,
            stats: {
              state:
                truncatedBy === 'rows'
                  ? 'CANCELED_AT_ROW_LIMIT'
                  : truncatedBy === 'bytes'
                    ? 'CANCELED_AT_BYTE_LIMIT'
                    : (page.stats?.state ?? 'FINISHED'),
              elapsedMs: Math.round(performance.now() - started),
              processedRows: page.stats?.processedRows,
              processedBytes: page.stats?.processedBytes,
            },
          };
        }
        emptyPages = data.length === 0 ? emptyPages + 1 : 0;
        // Trino long-polls each GET; this only keeps a server that answers empty pages at once from being hammered.
        if (emptyPages > 1) await sleep(Math.min(20 * (emptyPages - 1), 250), deadline.signal);
        page = await this.fetchPage(nextUri, headers, deadline, pageLimit, request.identity);
      }
    } catch (error) {
      throw deadline.stopped ? deadline.error() : error;
    } finally {
      deadline.dispose();
      if (nextUri !== undefined) this.cancel(nextUri, headers);
    }
  }

  /** Ends the kept-alive connections; requests still in flight fail (the shutdown drain is over by then). */
  async close(): Promise<void> {
    await this.dispatcher.destroy();
  }

  /** GET /v1/info: whether the coordinator answers and has finished starting. */
  async info(timeoutMs: number): Promise<{ starting: boolean; version?: string }> {
    const response = await this.send(`${this.options.baseUrl}/v1/info`, {
      headers: this.headers(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await this.readBody(response, 'GET /v1/info', INFO_MAX_BYTES);
    if (response.status !== 200) throw new ToolError('upstream', `Trino /v1/info answered HTTP ${response.status}`);
    let body: { starting?: boolean; nodeVersion?: { version?: string } };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new ToolError('upstream', 'Trino sent a body that is not JSON on GET /v1/info');
    }
    return { starting: body.starting === true, version: body.nodeVersion?.version };
  }

  /**
   * The POST is never retried: a blind retry could run the statement twice. It is not aborted
   * either: once Trino has the statement, its reply carries the only handle to cancel it, so a
   * caller who gives up mid-POST gets an answer at once and the reply is cancelled when it lands.
   */
  private async submit(
    request: QueryRequest,
    headers: Record<string, string>,
    deadline: QueryDeadline,
    pageLimit: number,
  ): Promise<TrinoQueryResults> {
    const post = this.send(`${this.options.baseUrl}/v1/statement`, {
      method: 'POST',
      headers: { ...headers, ...this.sessionHeaders(request), 'content-type': 'text/plain; charset=utf-8' },
      body: request.sql,
      signal: AbortSignal.timeout(request.timeoutMs),
    }).then((response) => this.readPage(response, 'POST /v1/statement', pageLimit, request.identity));
    try {
      return await Promise.race([post, deadline.whenStopped()]);
    } catch (error) {
      if (deadline.stopped)
        post.then(
          (page) => page.nextUri && this.cancel(page.nextUri, headers),
          () => undefined,
        );
      throw error;
    }
  }

  /** GETs are safe to repeat: retried on 502/503/504/429 (honouring Retry-After) and on connections lost mid-answer. */
  private fetchPage(
    uri: string,
    headers: Record<string, string>,
    deadline: QueryDeadline,
    pageLimit: number,
    identity?: UpstreamIdentity,
  ): Promise<TrinoQueryResults> {
    return this.policy.run(
      async (signal, attempt) => {
        try {
          // The body is read inside the attempt: the policy aborts the attempt's signal once it returns.
          const response = await this.send(uri, { headers, signal }, attempt - 1);
          return {
            status: response.status,
            retryAfter: response.headers.get('retry-after'),
            text: await this.readBody(response, 'GET nextUri', pageLimit),
          };
        } catch (error) {
          // An oversized page or a refused URL is no transient failure: asking again would get the same.
          const permanent = signal.aborted || !(error instanceof Error) || (isToolError(error) && error.kind === 'upstream');
          throw new AttemptFailure(error as Error, permanent ? undefined : this.policy.backoffMs(attempt));
        }
      },
      ({ status, retryAfter, text }, attempt) => {
        if (!RETRYABLE_STATUSES.has(status)) return this.parsePage(status, text, 'GET nextUri', identity);
        const wait = retryAfterMs(retryAfter, this.maxRetryAfterMs) ?? this.policy.backoffMs(attempt);
        this.logger.debug(`Trino answered HTTP ${status}; retrying in ${wait} ms (attempt ${attempt})`);
        throw new AttemptFailure(this.statusError(status, text, 'GET nextUri', identity)!, wait);
      },
      {
        signal: deadline.signal,
        idempotent: true,
        guarded: true,
        errors: { cancelled: () => deadline.error(), timedOut: () => deadline.error() },
      },
    );
  }

  /** Redirects are never followed: the credentials in the headers must not reach another host. */
  private async send(
    url: string,
    init: RequestInit & { signal: AbortSignal; headers: Record<string, string> },
    resendCount = 0,
  ): Promise<Response> {
    this.checkOrigin(url, 'The URL of a request');
    try {
      const upstream = { peer: 'trino', method: init.method ?? 'GET', url, resendCount };
      return await tracedUpstreamRequest(
        upstream,
        (traceHeaders) =>
          fetch(url, { ...init, headers: { ...init.headers, ...traceHeaders }, redirect: 'manual', dispatcher: this.dispatcher }),
        (response) => response.status,
      );
    } catch (error) {
      if (init.signal.aborted) throw error;
      throw new ToolError('unavailable', `Trino is unreachable: ${describeFetchError(error)}`, {}, { cause: error });
    }
  }

  /**
   * Streams the body and gives up as soon as it passes `limit` bytes, so a huge page costs at
   * most `limit` of memory. fetch decompresses as it streams, so the count is of decompressed
   * bytes and a gzip bomb stops at the limit too.
   */
  private async readBody(response: Response, call: string, limit: number): Promise<string> {
    const reader = response.body?.getReader();
    if (!reader) return '';
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > limit) {
          reader.cancel().catch(() => undefined);
          const message = `Trino's answer to ${call} is larger than ${limit} bytes, the page size limit (derived from RESULT_MAX_BYTES); reading stopped. Add a LIMIT or select fewer or narrower columns.`;
          throw new ToolError('upstream', message);
        }
        chunks.push(value);
      }
    } catch (error) {
      if (isToolError(error)) throw error;
      throw new ToolError('unavailable', `Trino's answer to ${call} was cut off: ${describeFetchError(error)}`, {}, { cause: error });
    }
    return Buffer.concat(chunks, size).toString('utf8');
  }

  private async readPage(response: Response, call: string, limit: number, identity?: UpstreamIdentity): Promise<TrinoQueryResults> {
    return this.parsePage(response.status, await this.readBody(response, call, limit), call, identity);
  }

  /** Why an answer that is not HTTP 200 is no page; undefined for HTTP 200. */
  private statusError(status: number, text: string, call: string, identity?: UpstreamIdentity): ToolError | undefined {
    if (status >= 300 && status < 400) {
      return new ToolError(
        'upstream',
        `Trino answered ${call} with a redirect (HTTP ${status}); redirects are not followed, so credentials are only sent to TRINO_URL`,
        { upstreamStatus: status },
      );
    }
    if (status === 401 || status === 403) {
      return new ToolError('upstream', `Trino rejected ${this.describeLogin(identity)} (HTTP ${status} on ${call})`, {
        upstreamStatus: status,
      });
    }
    if (status !== 200)
      return new ToolError('upstream', `Trino answered HTTP ${status} on ${call}: ${upstreamExcerpt(text)}`, { upstreamStatus: status });
    return undefined;
  }

  private parsePage(status: number, text: string, call: string, identity?: UpstreamIdentity): TrinoQueryResults {
    const refused = this.statusError(status, text, call, identity);
    if (refused) throw refused;
    let body: unknown;
    try {
      body = parseTrinoJson(text);
    } catch {
      throw new ToolError('upstream', `Trino sent a body that is not JSON on ${call}`);
    }
    if (!isQueryResults(body)) throw new ToolError('upstream', `Trino sent a response without a query id on ${call}`);
    if (body.nextUri !== undefined) this.checkOrigin(body.nextUri, 'The nextUri Trino sent');
    if (body.infoUri !== undefined) this.checkOrigin(body.infoUri, 'The infoUri Trino sent');
    return body;
  }

  /**
   * A coordinator (or whatever answers in its place) could point `nextUri` anywhere; following it
   * would hand our credentials to that host. Only TRINO_URL's scheme, host and port are trusted.
   */
  private checkOrigin(uri: string, what: string): void {
    // Neither address is named: both may be internal, and the caller needs neither to act.
    if (!this.sameOrigin(uri))
      throw new ToolError(
        'upstream',
        `${what} is not on TRINO_URL's origin; it is not followed, so credentials are only sent to TRINO_URL`,
      );
  }

  /** Fire-and-forget DELETE of the current `nextUri`; merely stopping would leave the query running until Trino times it out. */
  private cancel(nextUri: string, headers: Record<string, string>): void {
    if (!this.sameOrigin(nextUri)) return;
    const traced = { ...headers };
    injectTraceHeaders(traced);
    fetch(nextUri, {
      method: 'DELETE',
      headers: traced,
      redirect: 'manual',
      signal: AbortSignal.timeout(5000),
      dispatcher: this.dispatcher,
    })
      .then((response) => response.body?.cancel())
      .catch((error: unknown) => this.logger.debug(`Cancelling a Trino query failed: ${describeFetchError(error)}`));
  }

  /** False for another scheme, host or port, and for anything that is not an absolute URL. */
  private sameOrigin(uri: string): boolean {
    try {
      return new URL(uri).origin === this.origin;
    } catch {
      return false;
    }
  }

  /**
   * Sent on every request, as the Java client does. The service login (TRINO_USER with its password
   * or JWT) authenticates the connection whatever user the statement runs as (impersonation: Trino
   * checks that TRINO_USER may act as X-Trino-User); a passthrough token replaces that login, and
   * Trino then takes the user from the token unless X-Trino-User names one.
   */
  private headers(identity?: UpstreamIdentity): Record<string, string> {
    const headers: Record<string, string> = { 'user-agent': USER_AGENT };
    const passthrough = identity?.bearerToken?.();
    const user = identity?.user ?? (passthrough === undefined ? this.options.user : undefined);
    if (user !== undefined) headers['x-trino-user'] = user;
    if (passthrough !== undefined) headers.authorization = `Bearer ${passthrough}`;
    else if (this.options.jwt) headers.authorization = `Bearer ${this.options.jwt}`;
    else if (this.options.password)
      headers.authorization = `Basic ${Buffer.from(`${this.options.user}:${this.options.password}`).toString('base64')}`;
    if (identity !== undefined) {
      headers['x-trino-client-tags'] = identity.clientTags.join(',');
      headers['x-trino-client-info'] = identity.clientInfo;
    }
    return headers;
  }

  private describeLogin(identity: UpstreamIdentity | undefined): string {
    if (identity?.bearerToken !== undefined) return "the caller's token (TRINO_AUTH=passthrough)";
    const acting = identity?.user !== undefined ? ` acting as "${identity.user}"` : '';
    return `the credentials for user "${this.options.user}"${acting}`;
  }

  private sessionHeaders(request: QueryRequest): Record<string, string> {
    const headers: Record<string, string> = {
      'x-trino-source': this.options.source,
      // Without it Trino rounds time and timestamp values to milliseconds.
      'x-trino-client-capabilities': 'PARAMETRIC_DATETIME',
      // Trino enforces the same limit server-side, so a query is stopped even if the cancel is lost.
      'x-trino-session': `query_max_execution_time=${encodeURIComponent(`${Math.ceil(request.timeoutMs / 1000)}s`)}`,
    };
    const catalog = request.catalog ?? this.options.catalog;
    const schema = request.schema ?? (request.catalog === undefined ? this.options.schema : undefined);
    if (catalog !== undefined) headers['x-trino-catalog'] = catalog;
    if (schema !== undefined) headers['x-trino-schema'] = schema;
    return headers;
  }
}

/** Retry-After (parsed as for XDP), capped: Trino's coordinator is waited for up to `capMs`. */
export function retryAfterMs(header: string | null, capMs: number, now = Date.now()): number | undefined {
  const ms = parseRetryAfterMs(header ?? undefined, now);
  return ms === undefined ? undefined : Math.min(ms, capMs);
}

function shownQueryId(id: unknown): string {
  return typeof id === 'string' && TRINO_QUERY_ID.test(id) ? id : 'unknown';
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
