import type { IncomingHttpHeaders } from 'node:http';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { errors, type Pool } from 'undici';
import { AppConfig } from '#config';
import { upstreamPool } from './upstream-dispatcher.js';

/** What one XDP exchange yields: the status, the headers (lower-case names) and the body as text. */
export interface XdpHttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  data: string;
}

export interface XdpHttpRequest {
  method: 'GET' | 'POST';
  /** Endpoint under the API root, e.g. `/datastore`. */
  path: string;
  params?: Record<string, string | number>;
  body?: unknown;
  /** Sent beside the key headers (the trace context). */
  headers: Record<string, string>;
  /**
   * The call's deadline or the caller: aborting it aborts the request, queued, connecting, waiting
   * for headers or mid-body. It is the one timeout of an exchange (see `send`).
   */
  signal: AbortSignal;
}

/**
 * The keep-alive connection pool to XDP_BASE_URL's origin, built from AppConfig by Nest and
 * destroyed with the module. Every request carries the `accessKey`/`secretKey` headers, so
 * nothing is sent anywhere else: requests name only a path on this one origin and redirects are
 * never followed (undici's `request` does not follow them; every status resolves). Bodies are
 * bounded by XDP_MAX_RESPONSE_BYTES: an announced larger Content-Length is refused before
 * reading, a streamed body is cut by the pool at the limit. Nothing is decompressed (no
 * Accept-Encoding is sent), so a compressed answer cannot inflate past the limit.
 *
 * undici's `request`, not its `fetch`: fetch builds WHATWG Request, Headers and Response objects
 * and a web stream per call and runs the fetch spec's redirect and CORS steps, none of which XDP
 * needs; `request` hands back the status, a plain header object and a Node stream, the least work
 * per byte of the three clients measured (docs/performance.md).
 */
@Injectable()
export class XdpHttpPool implements OnModuleDestroy {
  /** Absent when XDP is not configured (XdpClient then refuses calls before sending). */
  private readonly pool: Pool | undefined;
  private readonly basePath: string;
  private readonly headers: Record<string, string>;
  private readonly maxResponseBytes: number;

  constructor(config: AppConfig) {
    const { baseUrl, accessKey, secretKey, maxResponseBytes } = config.xdp;
    const base = new URL(baseUrl ?? 'http://localhost');
    this.pool = baseUrl === undefined ? undefined : upstreamPool(base.origin, { maxResponseBytes });
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.maxResponseBytes = maxResponseBytes;
    // Exact header names: XDP rejects `AccessKey` or `x-access-key` (undici sends names as given).
    this.headers = { Accept: 'application/json', ...(accessKey ? { accessKey } : {}), ...(secretKey ? { secretKey } : {}) };
  }

  /** One exchange; resolves for every HTTP status, rejects with undici's (or the socket's) error otherwise. */
  async send(request: XdpHttpRequest): Promise<XdpHttpAnswer> {
    if (this.pool === undefined) throw new Error('XDP_BASE_URL is not set');
    const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
    const headers = { ...this.headers, ...request.headers, ...(payload === undefined ? {} : { 'Content-Type': 'application/json' }) };
    const response = await this.pool.request({
      method: request.method,
      path: `${this.basePath}${request.path}${request.params ? queryOf(request.params) : ''}`,
      headers,
      body: payload,
      signal: request.signal,
      // The signal carries the call's deadline (XDP_TIMEOUT_MS, retries included) over headers and
      // body alike. undici's own timers would race it — set to the same time they sometimes fired
      // first and turned a timeout into "unreachable" — and their 300 s defaults would cut calls
      // that may last 600 s.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    if (Number(response.headers['content-length']) > this.maxResponseBytes) {
      // Destroying the unread body drops the connection instead of reading on.
      response.body.destroy();
      throw new errors.ResponseExceededMaxSizeError();
    }
    return { status: response.statusCode, headers: response.headers, data: await response.body.text() };
  }

  /**
   * Requests still in flight belong to calls the shutdown drain already gave up on: they are
   * aborted rather than waited for.
   */
  async onModuleDestroy(): Promise<void> {
    await this.pool?.destroy();
  }
}

/** Query string of the request parameters (none of which carry secrets: the keys travel in headers). */
function queryOf(params: Record<string, string | number>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) search.append(name, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
