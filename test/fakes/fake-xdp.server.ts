import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { traceIdOf } from './traceparent.js';

/**
 * A real HTTP server on 127.0.0.1 that behaves like the XDP control-plane API as described in
 * docs/xdp-rest-api.md: exact `accessKey`/`secretKey` header names, paged
 * `GET /datastore` with `data.meta`, a bare `GET /dataplane` payload, and `POST /query/execute`
 * answering with a Trino-style result. Faults (failure envelopes, 401, 429, 5xx, slow or hanging
 * answers, malformed JSON, resets mid-body, wrong shapes) are switched on per request, and every
 * request is logged with how it ended, so tests can count attempts and see aborted requests.
 *
 *   const xdp = await FakeXdpServer.start();
 *   env = { XDP_BASE_URL: xdp.url, XDP_ACCESS_KEY: xdp.accessKey, XDP_SECRET_KEY: xdp.secretKey };
 *   xdp.enqueue({ kind: 'status', status: 503 }, { times: 2 });   // next two requests fail
 *   ... ; expect(xdp.requests('/datastore')).toHaveLength(3);
 */

export const FAKE_XDP_API_ROOT = '/xdp-cp-service/api';

/** Every credential value planted in generated data store configs contains this marker. */
export const FAKE_CREDENTIAL_MARKER = 'FAKE-CREDENTIAL-MUST-NOT-LEAK';

export type FakeXdpEndpoint = '/datastore' | '/dataplane' | '/query/execute';

export type FakeXdpBehaviour =
  /** Answer normally. */
  | { kind: 'normal' }
  /** HTTP `httpStatus` (default 200) with `{success:false, errorCode, message, detailedMessage}`. */
  | { kind: 'failure-envelope'; httpStatus?: number; errorCode?: number; message?: string; detailedMessage?: string }
  /** Any status with an XDP-style JSON error body (or `body` verbatim); 401 = credentials rejected. */
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** 429 with `Retry-After` (seconds, or an HTTP date string). */
  | { kind: 'rate-limited'; retryAfter: number | string }
  /** Answer normally after `delayMs` (the timer is dropped if the client goes away). */
  | { kind: 'slow'; delayMs: number }
  /** Never answer; only the client giving up ends the request. */
  | { kind: 'hang' }
  /** HTTP 200 with a body that is not JSON. */
  | { kind: 'malformed-json' }
  /** A body sent verbatim (e.g. JSON with numbers beyond 2^53, or an HTML error page). */
  | { kind: 'raw'; status?: number; body: string; contentType?: string }
  /** HTTP 200, valid JSON of the wrong shape (`body`, or an object missing the expected fields). */
  | { kind: 'wrong-shape'; body?: unknown }
  /** Send the status line, headers and part of the body, then destroy the socket. */
  | { kind: 'reset-mid-body' }
  /**
   * `POST /query/execute` only: a failed query in `error` (top level) or `result.error`, with HTTP 200 or
   * `httpStatus` (XDP reports some bad SQL as HTTP 500); `queryId` replaces the generated id (a hostile XDP echoes anything).
   */
  | { kind: 'query-error'; error: string | Record<string, unknown>; where?: 'top' | 'result'; httpStatus?: number; queryId?: string };

export type FakeRequestOutcome = 'pending' | 'completed' | 'aborted' | 'reset';

export interface FakeXdpRequest {
  method: string;
  /** Path relative to the API root, e.g. `/datastore`. */
  path: string;
  query: Record<string, string>;
  /** Lower-cased header names, as Node exposes them. */
  headers: Record<string, string | string[] | undefined>;
  /** Which TCP connection carried it (numbered from 1 per server): equal numbers = keep-alive reuse. */
  connection: number;
  /** Header names exactly as sent on the wire. */
  rawHeaderNames: string[];
  body?: unknown;
  behaviour: FakeXdpBehaviour['kind'];
  status?: number;
  /** `aborted` = the client closed the connection before the answer was complete. */
  outcome: FakeRequestOutcome;
}

export interface FakeDataStore {
  id: number;
  name: string;
  dataplaneId: number;
  dataStoreType: string;
  config: Record<string, unknown>;
  tenantId: string;
  createdAt: string;
  updatedAt: string;
  isCredentialConfigured: boolean;
}

export interface FakeDataplane {
  id: number;
  name: string;
  url: string;
  externalUrl: string;
  description: string;
  tenantId: string;
  type: string;
  status: string;
  statusReportInterval: number;
  version: string;
  lastStatusReportTime: number | null;
  healthReport: string | null;
  registryUrl: string;
  registryPrefix: string;
  namespace: string;
  installationType: string | null;
  dataplaneVersion: string | null;
  isInternalCall: boolean;
  isRequestSentByDataplane: boolean;
  dataplaneProperties: unknown;
}

export interface FakeQueryRequest {
  engine: string;
  dataplane: string;
  query: string;
}

/** What a query handler returns: rows for a successful query, or an error. */
export type FakeQueryAnswer =
  { columns: { name: string; type: string }[]; rows: unknown[][] } | { error: string | Record<string, unknown>; where?: 'top' | 'result' };

export interface FakeXdpOptions {
  accessKey?: string;
  secretKey?: string;
  /** Generated data stores (default 57: three pages of 20). */
  datastoreCount?: number;
  dataplanes?: FakeDataplane[];
  /** Answers `POST /query/execute`; the default echoes the query back as one varchar row. */
  onQuery?: (request: FakeQueryRequest) => FakeQueryAnswer | Promise<FakeQueryAnswer>;
}

interface QueuedBehaviour {
  behaviour: FakeXdpBehaviour;
  remaining: number;
  endpoint?: FakeXdpEndpoint;
}

const SORTABLE_FIELDS = new Set(['id', 'name', 'dataplaneId', 'dataStoreType', 'tenantId', 'createdAt', 'updatedAt']);

export class FakeXdpServer {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly datastores: FakeDataStore[];
  readonly dataplanes: FakeDataplane[];
  /** `http://127.0.0.1:<port>` — what the deployment guide's bare-host XDP_BASE_URL looks like. */
  readonly origin: string;
  /** The full control-plane API root; use as XDP_BASE_URL. */
  readonly url: string;

  private readonly log: FakeXdpRequest[] = [];
  private readonly queue: QueuedBehaviour[] = [];
  private standing: FakeXdpBehaviour = { kind: 'normal' };
  private readonly sockets = new Set<Socket>();
  private readonly connectionIds = new WeakMap<Socket, number>();
  private readonly onQuery: NonNullable<FakeXdpOptions['onQuery']>;
  private waiters: (() => void)[] = [];
  private connectionCount = 0;
  private readonly sortCache = new Map<string, FakeDataStore[]>();

  private constructor(
    private readonly server: Server,
    options: FakeXdpOptions,
  ) {
    this.accessKey = options.accessKey ?? 'fake-access-key-0123';
    this.secretKey = options.secretKey ?? 'fake-secret-key-SHOULD-NEVER-APPEAR-4567';
    this.datastores = generateDatastores(options.datastoreCount ?? 57);
    this.dataplanes = options.dataplanes ?? defaultDataplanes();
    this.onQuery = options.onQuery ?? ((request) => ({ columns: [{ name: 'query', type: 'varchar' }], rows: [[request.query]] }));
    const { port } = server.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${port}`;
    this.url = `${this.origin}${FAKE_XDP_API_ROOT}`;
  }

  static async start(options: FakeXdpOptions = {}): Promise<FakeXdpServer> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const fake = new FakeXdpServer(server, options);
    server.on('connection', (socket) => {
      fake.sockets.add(socket);
      fake.connectionIds.set(socket, ++fake.connectionCount);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    server.on('request', (request, response) => void fake.handle(request, response));
    return fake;
  }

  /** Environment that points the application at this server. */
  env(): Record<string, string> {
    return { XDP_BASE_URL: this.url, XDP_ACCESS_KEY: this.accessKey, XDP_SECRET_KEY: this.secretKey };
  }

  /** Applies `behaviour` to the next `times` requests (optionally only those to `endpoint`), in order. */
  enqueue(behaviour: FakeXdpBehaviour, { times = 1, endpoint }: { times?: number; endpoint?: FakeXdpEndpoint } = {}): this {
    this.queue.push({ behaviour, remaining: times, endpoint });
    return this;
  }

  /** Applies `behaviour` to every request not covered by a queued one, until changed or `reset()`. */
  setBehaviour(behaviour: FakeXdpBehaviour): this {
    this.standing = behaviour;
    return this;
  }

  /** Back to normal answers, and an empty request log. */
  reset(): void {
    this.queue.length = 0;
    this.standing = { kind: 'normal' };
    this.log.length = 0;
  }

  /** Trace ids of the W3C `traceparent` headers received (optionally on one endpoint), in order; requests without one left out. */
  traceIds(endpoint?: FakeXdpEndpoint): string[] {
    return this.requests(endpoint).flatMap((request) => traceIdOf(request.headers.traceparent));
  }

  /** Logged requests, optionally only those to one endpoint. */
  requests(endpoint?: FakeXdpEndpoint): FakeXdpRequest[] {
    return this.log.filter((request) => endpoint === undefined || request.path === endpoint);
  }

  /** Resolves once `predicate` holds for the request log (checked on every request event). */
  async waitFor(predicate: (log: readonly FakeXdpRequest[]) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.log)) {
      if (Date.now() > deadline)
        throw new Error(
          `FakeXdpServer.waitFor timed out; log: ${JSON.stringify(this.log.map(({ path, behaviour, outcome }) => ({ path, behaviour, outcome })))}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
    await once(this.server, 'close');
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private nextBehaviour(path: string): FakeXdpBehaviour {
    const index = this.queue.findIndex((entry) => entry.endpoint === undefined || entry.endpoint === path);
    if (index < 0) return this.standing;
    const entry = this.queue[index]!;
    if (--entry.remaining <= 0) this.queue.splice(index, 1);
    return entry.behaviour;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.origin);
    const path = url.pathname.startsWith(FAKE_XDP_API_ROOT) ? url.pathname.slice(FAKE_XDP_API_ROOT.length) || '/' : url.pathname;
    const entry: FakeXdpRequest = {
      method: request.method ?? 'GET',
      path,
      query: Object.fromEntries(url.searchParams),
      headers: request.headers,
      connection: this.connectionIds.get(request.socket) ?? 0,
      rawHeaderNames: request.rawHeaders.filter((_value, index) => index % 2 === 0),
      behaviour: 'normal',
      outcome: 'pending',
    };
    this.log.push(entry);
    response.on('close', () => {
      if (entry.outcome === 'pending') entry.outcome = response.writableFinished ? 'completed' : 'aborted';
      this.notify();
    });
    this.notify();
    const text = await readBody(request);
    if (text) entry.body = safeJson(text);
    if (!url.pathname.startsWith(FAKE_XDP_API_ROOT)) return this.send(entry, response, 404, { message: 'Not Found' });
    if (!this.authorised(request)) {
      return this.send(entry, response, 401, {
        errorCode: 401,
        success: false,
        message: 'Unauthorized',
        detailedMessage: 'Invalid accessKey or secretKey',
      });
    }
    const behaviour = this.nextBehaviour(path);
    entry.behaviour = behaviour.kind;
    await this.behave(behaviour, entry, response);
  }

  /** Exact header names, as the contract requires: `AccessKey` or `x-access-key` are rejected. */
  private authorised(request: IncomingMessage): boolean {
    const value = (name: string) => {
      const index = request.rawHeaders.findIndex((header, position) => position % 2 === 0 && header === name);
      return index < 0 ? undefined : request.rawHeaders[index + 1];
    };
    return value('accessKey') === this.accessKey && value('secretKey') === this.secretKey;
  }

  private async behave(behaviour: FakeXdpBehaviour, entry: FakeXdpRequest, response: ServerResponse): Promise<void> {
    switch (behaviour.kind) {
      case 'normal':
        return this.answer(entry, response);
      case 'failure-envelope':
        return this.send(entry, response, behaviour.httpStatus ?? 200, {
          errorCode: behaviour.errorCode ?? 5001,
          success: false,
          message: behaviour.message ?? 'FAILURE',
          detailedMessage: behaviour.detailedMessage ?? 'The request could not be processed',
          data: null,
          meta: null,
        });
      case 'status':
        return this.send(entry, response, behaviour.status, behaviour.body ?? errorBody(behaviour.status), behaviour.headers);
      case 'rate-limited':
        return this.send(entry, response, 429, errorBody(429), { 'Retry-After': String(behaviour.retryAfter) });
      case 'slow':
        if (await delay(behaviour.delayMs, response)) return this.answer(entry, response);
        return;
      case 'hang':
        return;
      case 'malformed-json':
        entry.status = 200;
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"success": true, "data": {"dataStores": [');
        return;
      case 'raw':
        entry.status = behaviour.status ?? 200;
        response.writeHead(entry.status, { 'content-type': behaviour.contentType ?? 'application/json' }).end(behaviour.body);
        return;
      case 'wrong-shape':
        return this.send(entry, response, 200, behaviour.body ?? { success: true, data: { items: [] } });
      case 'reset-mid-body': {
        entry.status = 200;
        entry.outcome = 'reset';
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
        response.write('{"errorCode":0,"success":true,"data":{"dataStores":[{"id":1,');
        // Let the partial body reach the client before the connection dies.
        setTimeout(() => response.socket?.destroy(), 20);
        return;
      }
      case 'query-error':
        if (entry.path !== '/query/execute') return this.answer(entry, response);
        return this.send(entry, response, behaviour.httpStatus ?? 200, {
          ...queryExecution(entry.body as FakeQueryRequest, { error: behaviour.error, where: behaviour.where }),
          ...(behaviour.queryId === undefined ? {} : { queryId: behaviour.queryId }),
        });
    }
  }

  private async answer(entry: FakeXdpRequest, response: ServerResponse): Promise<void> {
    const route = `${entry.method} ${entry.path}`;
    if (route === 'GET /datastore') return this.answerDatastores(entry, response);
    if (route === 'GET /dataplane')
      return this.send(entry, response, 200, { dataplanes: this.dataplanes, meta: { size: 20, page: 0, count: this.dataplanes.length } });
    if (route === 'POST /query/execute') return this.answerQuery(entry, response);
    return this.send(entry, response, 404, {
      errorCode: 404,
      success: false,
      message: 'Not Found',
      detailedMessage: `No handler for ${route}`,
    });
  }

  private answerDatastores(entry: FakeXdpRequest, response: ServerResponse): void {
    const page = integer(entry.query.page, 0);
    const size = integer(entry.query.size, 20);
    const sortBy = entry.query.sort_by ?? 'updatedAt:asc';
    const [field, direction] = sortBy.split(':');
    if (
      page === undefined ||
      size === undefined ||
      size < 1 ||
      !SORTABLE_FIELDS.has(field ?? '') ||
      (direction !== 'asc' && direction !== 'desc')
    ) {
      return this.send(entry, response, 400, {
        errorCode: 1002,
        success: false,
        message: 'Invalid request parameters',
        detailedMessage: `Invalid page, size or sort_by (${sortBy}); sortable fields: ${[...SORTABLE_FIELDS].join(', ')}`,
        data: null,
        meta: null,
      });
    }
    const sorted = this.sortedDatastores(field as keyof FakeDataStore, direction);
    this.send(entry, response, 200, {
      errorCode: 0,
      success: true,
      message: 'SUCCESS',
      detailedMessage: '',
      data: { dataStores: sorted.slice(page * size, (page + 1) * size), meta: { size, page, count: this.datastores.length } },
      meta: null,
    });
  }

  /** Sorted once per sort order: benchmarks drive this fake hard, and it must not be the bottleneck. */
  private sortedDatastores(field: keyof FakeDataStore, direction: 'asc' | 'desc'): FakeDataStore[] {
    const key = `${field}:${direction}`;
    let sorted = this.sortCache.get(key);
    if (!sorted) {
      const sign = direction === 'asc' ? 1 : -1;
      sorted = [...this.datastores].sort((a, b) => sign * compare(a[field], b[field]) || a.id - b.id);
      this.sortCache.set(key, sorted);
    }
    return sorted;
  }

  private async answerQuery(entry: FakeXdpRequest, response: ServerResponse): Promise<void> {
    const request = entry.body as Partial<FakeQueryRequest> | undefined;
    if (request?.engine !== 'TRINO' || typeof request.dataplane !== 'string' || typeof request.query !== 'string') {
      return this.send(entry, response, 400, {
        errorCode: 1001,
        success: false,
        message: 'Invalid query request',
        detailedMessage: 'engine must be "TRINO"; dataplane and query must be strings',
      });
    }
    if (!this.dataplanes.some((dataplane) => String(dataplane.id) === request.dataplane)) {
      return this.send(
        entry,
        response,
        200,
        queryExecution(request as FakeQueryRequest, { error: `Dataplane ${request.dataplane} not found` }),
      );
    }
    this.send(entry, response, 200, queryExecution(request as FakeQueryRequest, await this.onQuery(request as FakeQueryRequest)));
  }

  private send(entry: FakeXdpRequest, response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (response.destroyed) return;
    entry.status = status;
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  }
}

function errorBody(status: number): Record<string, unknown> {
  const message = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 429 ? 'Too Many Requests' : `HTTP ${status}`;
  return { errorCode: status, success: false, message, detailedMessage: `Fake XDP answered ${status}`, data: null, meta: null };
}

let runCounter = 9000;

/** The `/query/execute` answer: the query run plus a Trino `QueryResults`-shaped `result`. */
function queryExecution(request: FakeQueryRequest, answer: FakeQueryAnswer): Record<string, unknown> {
  const run = ++runCounter;
  const queryId = `20250821_164055_${String(run).padStart(5, '0')}_fakex`;
  const failed = 'error' in answer;
  const trinoError =
    failed && typeof answer.error === 'object'
      ? answer.error
      : failed
        ? { message: answer.error, errorCode: 1, errorName: 'GENERIC_USER_ERROR', errorType: 'USER_ERROR' }
        : null;
  const columns = failed
    ? null
    : answer.columns.map((column) => ({ ...column, typeSignature: { rawType: column.type.replace(/\(.*$/, ''), arguments: [] } }));
  const resultError = failed && answer.where !== 'top' ? trinoError : null;
  return {
    id: run,
    runRequestId: `fake-run-${run}`,
    queryId,
    error: failed && answer.where !== 'result' ? answer.error : null,
    status: failed ? 'FAILED' : 'SUCCESS',
    result: {
      id: queryId,
      state: failed ? 'FAILED' : 'FINISHED',
      columns,
      data: failed ? null : answer.rows,
      stats: { state: failed ? 'FAILED' : 'FINISHED', processedRows: failed ? 0 : answer.rows.length, elapsedTimeMillis: 3 },
      error: resultError,
      nextUri: null,
      infoUri: `http://trino.dp-${request.dataplane}.internal:8080/ui/query.html?${queryId}`,
      updateType: null,
      warnings: [],
      failureInfo: null,
    },
  };
}

/** Deterministic stores covering types, tenants, credential flags and credential-bearing configs. */
export function generateDatastores(count: number): FakeDataStore[] {
  const types = ['S3', 'ODP', 'GCS', 'ADLS'];
  return Array.from({ length: count }, (_unused, index) => {
    const id = index + 1;
    const type = types[index % types.length]!;
    const day = String((index % 28) + 1).padStart(2, '0');
    return {
      id,
      name: `store-${String(id).padStart(3, '0')}`,
      dataplaneId: index % 3 === 0 ? 168 : 169,
      dataStoreType: type,
      config: {
        url: `${type.toLowerCase()}://bucket-${id}/data`,
        region: 'eu-west-1',
        accessKeyId: `AKIA-${FAKE_CREDENTIAL_MARKER}-${id}`,
        SecretAccessKey: `${FAKE_CREDENTIAL_MARKER}-secret-${id}`,
        connection: {
          user: 'reader',
          Password: `${FAKE_CREDENTIAL_MARKER}-pw-${id}`,
          options: [{ sasToken: `${FAKE_CREDENTIAL_MARKER}-sas-${id}` }, { timeoutMs: 5000 }],
        },
        credentials: { clientId: `${FAKE_CREDENTIAL_MARKER}-client-${id}` },
        endpoint: `https://reader:${FAKE_CREDENTIAL_MARKER}-userinfo-${id}@storage.example.com/path?sig=abc&api_key=${FAKE_CREDENTIAL_MARKER}-query-${id}`,
      },
      tenantId: `t-${1000 + (index % 2)}`,
      createdAt: `2025-06-${day}T09:14:07Z`,
      updatedAt: `2025-08-${day}T16:${String(index % 60).padStart(2, '0')}:55Z`,
      isCredentialConfigured: index % 2 === 0,
    };
  });
}

export function defaultDataplanes(): FakeDataplane[] {
  const dataplane = (id: number, name: string, status: string, description: string): FakeDataplane => ({
    id,
    name,
    url: `http://dp-${name}.internal:8080`,
    externalUrl: `https://dp-${name}.example.com`,
    description,
    tenantId: 't-1001',
    type: 'KUBERNETES',
    status,
    statusReportInterval: 60,
    version: '1.4.2',
    lastStatusReportTime: 1756200000000,
    healthReport: null,
    registryUrl: 'registry.example.com',
    registryPrefix: 'xdp',
    namespace: `xdp-dp-${id}`,
    installationType: null,
    dataplaneVersion: null,
    isInternalCall: false,
    isRequestSentByDataplane: false,
    dataplaneProperties: null,
  });
  return [dataplane(168, 'analytics-dp', 'ACTIVE', 'Primary analytics dataplane'), dataplane(169, 'staging-dp', 'INACTIVE', 'Staging')];
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function integer(value: string | undefined, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

/** Waits unless the client goes away first; true when the wait completed. */
function delay(ms: number, response: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(true), ms);
    response.once('close', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
