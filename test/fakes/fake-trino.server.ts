import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants as zlibConstants, createGzip } from 'node:zlib';
import { stringify } from 'lossless-json';
import { DuckDbEngine, SqlGuard, type CellValue, type ResultColumn } from '#trino';
import { traceIdOf } from './traceparent.js';

/**
 * A Trino coordinator on 127.0.0.1 that speaks the client protocol:
 * the POST reply is QUEUED without columns or data, columns arrive a page late, rows come in
 * several pages (the last one included), failures are HTTP 200 with `error`, bigints are raw
 * JSON numbers (beyond 2^53 too) and decimals strings. SQL runs for real through DuckDB (with
 * the sample data) unless a script says otherwise. Every request and every cancel is recorded.
 * Hostile scripts answer as a compromised or misconfigured coordinator would: a page of hundreds
 * of megabytes (streamed, never held in memory), a gzip bomb, `nextUri`/`infoUri` on another
 * host, a redirect.
 */

export interface FakeTrinoColumn {
  name: string;
  type: string;
}

export type FakeQueryBehaviour =
  /** Run the SQL through DuckDB (default). */
  | { kind: 'sql' }
  /** Fixed rows; use JS `bigint` for integers beyond 2^53 (sent as raw JSON numbers). */
  | { kind: 'rows'; columns: FakeTrinoColumn[]; rows: unknown[][] }
  /** `rowCount` rows made on demand page by page, so a million rows cost no memory. */
  | { kind: 'generated'; columns: FakeTrinoColumn[]; rowCount: number; row: (index: number) => unknown[] }
  /** Fails with Trino's error shape after `afterPages` GETs (0 = on the POST reply itself). */
  | { kind: 'fail'; afterPages?: number; error: { message: string; errorName: string; errorType: string; errorCode?: number } }
  /** Stays RUNNING without data until cancelled. */
  | { kind: 'hang' }
  /** The first GET answers one page of `bytes` (a row holding one huge string), gzip-compressed (a bomb) if `gzip`. */
  | { kind: 'huge-page'; bytes: number; gzip?: boolean }
  /** `field` of the pages from the `afterPages`-th GET on (0 = the POST reply) points to `origin`; then like 'sql'. */
  | { kind: 'off-origin'; field: 'nextUri' | 'infoUri'; origin: string; afterPages?: number }
  /** Every GET of nextUri answers `status` with `Location: location`. */
  | { kind: 'redirect'; location: string; status?: number };

export interface FakeQueryScript {
  match: RegExp | ((sql: string) => boolean);
  behaviour: FakeQueryBehaviour;
  /** Rows per data page (default: the server's). */
  pageSize?: number;
  /** Delay before answering each GET, like Trino's long poll. */
  pageDelayMs?: number;
}

export interface FakeTrinoOptions {
  /** Rows per data page (default 2, so small results still span several pages). */
  pageSize?: number;
  /** QUEUED GET pages after the QUEUED POST reply (default 1). */
  queuedPages?: number;
  /** RUNNING pages without columns before the columns appear (default 1). */
  pagesBeforeColumns?: number;
  /** Required credentials; unset = none checked. */
  auth?: { basic?: { user: string; password: string }; bearer?: string };
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** Which TCP connection carried it (numbered from 1): equal numbers = keep-alive reuse. */
  connection: number;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface HttpFault {
  status: number;
  retryAfter?: string;
  body?: string;
  /** Send the status line and half a JSON page, then destroy the socket. */
  resetMidBody?: boolean;
}

interface RunningQuery {
  id: string;
  slug: string;
  token: number;
  sql: string;
  script?: FakeQueryScript;
  gets: number;
  sent: number;
  state: 'QUEUED' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'CANCELED';
  result?: Promise<{ columns: FakeTrinoColumn[]; rowCount: number; rowAt: (index: number) => unknown[] }>;
}

let querySequence = 0;

export class FakeTrinoServer {
  readonly requests: RecordedRequest[] = [];
  /** Query ids cancelled with DELETE nextUri, in order. */
  readonly cancelled: string[] = [];
  private readonly queries = new Map<string, RunningQuery>();
  private readonly scripts: FakeQueryScript[] = [];
  private readonly faults: HttpFault[] = [];
  private readonly connections = new WeakMap<object, number>();
  private connectionCount = 0;
  private readonly duckdb = new DuckDbEngine({});
  /** Parses statements the way Trino would, so SHOW/DESCRIBE can be answered from DuckDB's catalog. */
  private readonly parser = new SqlGuard({ readOnly: false, allowedCatalogs: [] });
  private readonly options: Required<Omit<FakeTrinoOptions, 'auth'>> & Pick<FakeTrinoOptions, 'auth'>;
  private server!: Server;
  url = '';

  private constructor(options: FakeTrinoOptions) {
    this.options = { pageSize: 2, queuedPages: 1, pagesBeforeColumns: 1, ...options };
  }

  static async start(options: FakeTrinoOptions = {}): Promise<FakeTrinoServer> {
    const fake = new FakeTrinoServer(options);
    fake.server = createServer((request, response) => void fake.handle(request, response));
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    // Its parse worker started before the first statement, so a cold start never counts against a test's query timeout.
    await fake.parser.warmUp();
    // Likewise the coordinator's engine: its database and Trino-dialect translator are ready before the first statement.
    await fake.duckdb.execute({ sql: 'SELECT 1', maxRows: 1, maxBytes: 1024, timeoutMs: 60_000 }, { signal: new AbortController().signal });
    return fake;
  }

  /** Scripts the next matching statements; the first matching script wins. */
  script(script: FakeQueryScript): this {
    this.scripts.push(script);
    return this;
  }

  /** The next GETs of `nextUri` answer these statuses (in order) before normal pages resume. */
  failNextGets(...faults: HttpFault[]): this {
    this.faults.push(...faults);
    return this;
  }

  /** Bytes of hostile huge-page bodies written to sockets (before compression), so a test sees where the client stopped reading. */
  hugeBytesSent = 0;

  /** Queries that are neither finished, failed nor cancelled. */
  get running(): number {
    return [...this.queries.values()].filter((query) => query.state === 'QUEUED' || query.state === 'RUNNING').length;
  }

  /** Trace ids of the W3C `traceparent` headers on statement requests (POST, GET and DELETE of /v1/statement…), in order. */
  statementTraceIds(): string[] {
    return this.requests
      .filter((request) => request.path.startsWith('/v1/statement'))
      .flatMap((request) => traceIdOf(request.headers.traceparent));
  }

  statementRequests(): RecordedRequest[] {
    return this.requests.filter((request) => request.method === 'POST' && request.path === '/v1/statement');
  }

  reset(): void {
    this.requests.length = 0;
    this.cancelled.length = 0;
    this.scripts.length = 0;
    this.faults.length = 0;
    this.hugeBytesSent = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.duckdb.close();
    await this.parser.close();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = new URL(request.url ?? '/', this.url).pathname;
    if (!this.connections.has(request.socket)) this.connections.set(request.socket, ++this.connectionCount);
    this.requests.push({
      method: request.method ?? 'GET',
      path,
      connection: this.connections.get(request.socket) ?? 0,
      headers: request.headers,
      body,
    });
    if (!this.authorized(request)) return this.send(response, 401, 'Unauthorized', 'text/plain');
    if (request.method === 'GET' && path === '/v1/info')
      return this.send(response, 200, JSON.stringify({ starting: false, nodeVersion: { version: 'fake-475' } }));
    if (request.method === 'POST' && path === '/v1/statement') return this.send(response, 200, this.submit(body));
    const match = /^\/v1\/statement\/executing\/([^/]+)\/([^/]+)\/(\d+)$/.exec(path);
    const query = match ? this.queries.get(match[1]) : undefined;
    if (!match || !query || query.slug !== match[2]) return this.send(response, 404, 'Query not found', 'text/plain');
    if (request.method === 'DELETE') {
      if (query.state === 'QUEUED' || query.state === 'RUNNING') query.state = 'CANCELED';
      this.cancelled.push(query.id);
      return this.send(response, 204, '');
    }
    if (request.method !== 'GET') return this.send(response, 405, 'Method not allowed', 'text/plain');
    const fault = this.faults.shift();
    if (fault?.resetMidBody) {
      response.writeHead(fault.status, { 'content-type': 'application/json', 'content-length': '1000' });
      response.write('{"id":"half');
      setTimeout(() => response.socket?.destroy(), 5);
      return;
    }
    if (fault) {
      response.setHeader('retry-after', fault.retryAfter ?? '');
      if (fault.retryAfter === undefined) response.removeHeader('retry-after');
      return this.send(response, fault.status, fault.body ?? 'Service Unavailable', 'text/plain');
    }
    if (Number(match[3]) !== query.token) return this.send(response, 410, 'Stale token', 'text/plain');
    if (query.script?.pageDelayMs) await new Promise((resolve) => setTimeout(resolve, query.script?.pageDelayMs));
    const behaviour = query.script?.behaviour;
    if (behaviour?.kind === 'redirect') {
      response.writeHead(behaviour.status ?? 307, { location: behaviour.location, 'content-type': 'text/plain' });
      return void response.end('Moved');
    }
    if (behaviour?.kind === 'huge-page') return this.sendHugePage(query, response, behaviour.bytes, behaviour.gzip === true);
    this.send(response, 200, await this.nextPage(query));
  }

  /**
   * `{"id":…,"data":[["xxxx…"]]}` of about `bytes`, written in 64 KiB chunks as the socket drains
   * and stopped as soon as the client goes away. Gzip at level 9 turns 200 MB of one repeated
   * character into ~200 KB: a bomb only a client that counts decompressed bytes survives.
   */
  private async sendHugePage(query: RunningQuery, response: ServerResponse, bytes: number, gzip: boolean): Promise<void> {
    query.state = 'RUNNING';
    const head = `{"id":"${query.id}","columns":[{"name":"blob","type":"varchar"}],"data":[["`;
    const tail = `"]],"stats":{"state":"FINISHED"}}`;
    response.writeHead(200, { 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    const gzipStream = gzip ? createGzip({ level: zlibConstants.Z_BEST_COMPRESSION }) : undefined;
    gzipStream?.pipe(response);
    const out = gzipStream ?? response;
    let closed = false;
    response.once('close', () => (closed = true));
    const chunk = Buffer.alloc(64 * 1024, 'x');
    out.write(head);
    for (let sent = 0; sent < bytes && !closed; sent += chunk.length) {
      this.hugeBytesSent += chunk.length;
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), once(response, 'close')]);
    }
    if (!closed) out.end(tail);
  }

  private authorized(request: IncomingMessage): boolean {
    const auth = this.options.auth;
    if (!auth) return true;
    const header = request.headers.authorization ?? '';
    if (auth.bearer) return header === `Bearer ${auth.bearer}`;
    if (auth.basic) return header === `Basic ${Buffer.from(`${auth.basic.user}:${auth.basic.password}`).toString('base64')}`;
    return true;
  }

  private submit(sql: string): string {
    querySequence += 1;
    const id = `20260101_000000_${String(querySequence).padStart(5, '0')}_fake`;
    const script = this.scripts.find((candidate) =>
      typeof candidate.match === 'function' ? candidate.match(sql) : candidate.match.test(sql),
    );
    const query: RunningQuery = { id, slug: `s${querySequence}`, token: 0, sql, script, gets: 0, sent: 0, state: 'QUEUED' };
    this.queries.set(id, query);
    query.result = this.startExecution(query);
    query.result?.catch(() => undefined);
    const behaviour = script?.behaviour;
    if (behaviour?.kind === 'fail' && (behaviour.afterPages ?? 0) === 0) return this.failurePage(query, behaviour.error);
    return this.page(query, { state: 'QUEUED' });
  }

  private startExecution(query: RunningQuery): RunningQuery['result'] {
    const behaviour = query.script?.behaviour ?? { kind: 'sql' };
    switch (behaviour.kind) {
      case 'rows':
        return Promise.resolve({ columns: behaviour.columns, rowCount: behaviour.rows.length, rowAt: (i) => behaviour.rows[i] });
      case 'generated':
        return Promise.resolve({ columns: behaviour.columns, rowCount: behaviour.rowCount, rowAt: behaviour.row });
      case 'sql':
      case 'off-origin':
        return this.runSql(query.sql).then(({ columns, rows }) => ({
          columns,
          rowCount: rows.length,
          rowAt: (i: number) => wireRow(rows[i], columns),
        }));
      default:
        return undefined;
    }
  }

  /** Real SQL through DuckDB; Trino's metadata statements and information_schema views mapped onto DuckDB's. */
  private async runSql(sql: string) {
    const show = await this.parser.check(sql).then(
      (checked) => checked.show,
      () => undefined,
    );
    const duckSql = sql.replace(
      /FROM "((?:[^"]|"")*)"\."information_schema"\."(tables|columns|schemata)" WHERE /,
      (_match, catalog: string, view: string) =>
        `FROM information_schema.${view} WHERE ${view === 'schemata' ? 'catalog_name' : 'table_catalog'} = '${catalog.replaceAll('""', '"').replaceAll("'", "''")}' AND `,
    );
    return this.duckdb.execute(
      { sql: duckSql, show, maxRows: 100_000, maxBytes: 16_777_216, timeoutMs: 60_000 },
      { signal: new AbortController().signal },
    );
  }

  private async nextPage(query: RunningQuery): Promise<string> {
    query.gets += 1;
    query.token += 1;
    const behaviour = query.script?.behaviour ?? { kind: 'sql' };
    if (query.state === 'CANCELED')
      return this.failurePage(query, { message: 'Query was canceled', errorName: 'USER_CANCELED', errorType: 'USER_ERROR', errorCode: 3 });
    if (query.gets <= this.options.queuedPages) return this.page(query, { state: 'QUEUED' });
    if (behaviour.kind === 'hang') return this.page(query, { state: 'RUNNING' });
    if (behaviour.kind === 'fail' && query.gets >= (behaviour.afterPages ?? 0)) return this.failurePage(query, behaviour.error);
    query.state = 'RUNNING';
    let result: Awaited<RunningQuery['result']>;
    try {
      result = await query.result;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return this.failurePage(query, { message, errorName: 'SYNTAX_ERROR', errorType: 'USER_ERROR', errorCode: 1 });
    }
    if (!result) return this.page(query, { state: 'RUNNING' });
    const withColumns = query.gets > this.options.queuedPages + this.options.pagesBeforeColumns;
    if (!withColumns) return this.page(query, { state: 'RUNNING' });
    const pageSize = query.script?.pageSize ?? this.options.pageSize;
    const end = Math.min(query.sent + pageSize, result.rowCount);
    const data: unknown[][] = [];
    for (let i = query.sent; i < end; i++) data.push(result.rowAt(i));
    query.sent = end;
    const finished = end >= result.rowCount;
    if (finished) query.state = 'FINISHED';
    return this.page(query, {
      state: finished ? 'FINISHED' : 'RUNNING',
      columns: result.columns,
      data: data.length > 0 ? data : undefined,
      last: finished,
      processedRows: end,
    });
  }

  private page(
    query: RunningQuery,
    page: { state: string; columns?: FakeTrinoColumn[]; data?: unknown[][]; last?: boolean; processedRows?: number },
  ): string {
    const behaviour = query.script?.behaviour;
    const offOrigin = behaviour?.kind === 'off-origin' && query.gets >= (behaviour.afterPages ?? 0) ? behaviour : undefined;
    const base = (field: 'nextUri' | 'infoUri') => (offOrigin?.field === field ? offOrigin.origin : this.url);
    return wireJson({
      id: query.id,
      infoUri: `${base('infoUri')}/ui/query.html?${query.id}`,
      ...(page.last ? {} : { nextUri: `${base('nextUri')}/v1/statement/executing/${query.id}/${query.slug}/${query.token}` }),
      ...(page.columns
        ? {
            columns: page.columns.map((column) => ({
              ...column,
              typeSignature: { rawType: column.type.replace(/\(.*$/, ''), arguments: [] },
            })),
          }
        : {}),
      ...(page.data ? { data: page.data } : {}),
      stats: {
        state: page.state,
        queued: page.state === 'QUEUED',
        scheduled: page.state !== 'QUEUED',
        processedRows: page.processedRows ?? 0,
        processedBytes: 0,
        elapsedTimeMillis: 1,
      },
      warnings: [],
    });
  }

  private failurePage(query: RunningQuery, error: { message: string; errorName: string; errorType: string; errorCode?: number }): string {
    query.state = 'FAILED';
    return JSON.stringify({
      id: query.id,
      infoUri: `${this.url}/ui/query.html?${query.id}`,
      stats: { state: 'FAILED', processedRows: 0 },
      error: {
        errorCode: 0,
        ...error,
        errorLocation: { lineNumber: 1, columnNumber: 1 },
        failureInfo: { type: 'io.trino.spi.TrinoException', message: error.message },
      },
      warnings: [],
    });
  }

  private send(response: ServerResponse, status: number, body: string, type = 'application/json'): void {
    response.statusCode = status;
    if (body) response.setHeader('content-type', type);
    response.end(body);
  }
}

/** Trino's wire form: integers of bigint columns are raw JSON numbers even beyond 2^53. */
function wireRow(row: CellValue[], columns: ResultColumn[]): unknown[] {
  return row.map((value, i) => (columns[i].type === 'bigint' && typeof value === 'string' ? BigInt(value) : value));
}

/**
 * JSON with JS `bigint`s as raw numbers. The native stringify refuses bigints; only then is the
 * JS one used, which is far slower: with megabyte rows it would stall the test process (which
 * also runs the app under test) and so the /health probes measuring it.
 */
function wireJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return stringify(value) as string;
  }
}
