import { setTimeout as sleep } from 'node:timers/promises';
import { HttpService } from '@nestjs/axios';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { AxiosResponse } from 'axios';
import { AppConfig, type XdpConfig } from '#config';
import { MetricsService, tracedUpstreamRequest } from '#observability';
import { ToolError } from '#tool-contract';
import { reportsQueryFailure, verdictForStatus } from '../resilience/breaker-policy.js';
import { type BreakerSnapshot, CircuitBreaker } from '../resilience/circuit-breaker.js';
import { backoffDelayMs, isRetryableStatus, parseRetryAfterMs, RETRY_AFTER_CAP_MS } from '../resilience/retry-policy.js';
import { parseExactJson } from './exact-json.js';
import { createMessageSanitizer, safeIdentifier, type Sanitize } from './message-sanitizer.js';
import {
  classifyTransportError,
  errorForBadBody,
  errorForCancel,
  errorForFailureEnvelope,
  errorForOpenCircuit,
  errorForStatus,
  errorForTimeout,
  errorForTransport,
  queryFailureOf,
  type TransportFailure,
  upstreamSaid,
} from './xdp-failure.mapper.js';
import { type Check, checkDataplaneList, checkDataStorePage, checkEnvelope, checkQueryExecution } from './xdp-response.validator.js';
import { isXdpRequestError, type XdpRequestError } from './xdp.errors.js';
import type { XdpDataplaneList, XdpDataStorePage, XdpExecuteQueryParams, XdpListDatastoresParams, XdpQueryExecution } from './xdp.models.js';

export const XDP_NOT_CONFIGURED = 'XDP is not configured: set XDP_BASE_URL, XDP_ACCESS_KEY and XDP_SECRET_KEY';

export interface XdpCallOptions {
  /** The caller's cancellation: aborting it aborts the HTTP request. */
  signal?: AbortSignal;
  /** Deadline of the whole call, retries included; defaults to XDP_TIMEOUT_MS. */
  timeoutMs?: number;
}

type Endpoint = '/datastore' | '/dataplane' | '/query/execute';

interface XdpRequest {
  method: 'GET' | 'POST';
  path: Endpoint;
  params?: Record<string, string | number>;
  body?: unknown;
  /** Only idempotent requests are retried. */
  idempotent: boolean;
  parse: (text: string) => unknown;
  /** Health probes bypass an open breaker (they are how recovery is noticed) and are not retried. */
  probe?: boolean;
}

interface Answer {
  status: number;
  body: unknown;
}

type AttemptOutcome =
  | { type: 'response'; response: AxiosResponse<string> }
  | { type: 'timeout' }
  | { type: 'cancelled' }
  | { type: 'transport'; failure: TransportFailure };

const TIMED_OUT = Symbol('timed out');

/**
 * XDP control-plane client. Every request carries the `accessKey`/`secretKey` headers, runs
 * under one deadline (XDP_TIMEOUT_MS, retries included) and the caller's AbortSignal, and every
 * answer is validated before it is typed. Idempotent GETs are retried with jittered exponential
 * backoff on connection errors, 502/503/504 and 429 (honouring Retry-After); the query POST is
 * never retried. A circuit breaker makes a dead XDP fail fast.
 */
@Injectable()
export class XdpClient implements OnModuleDestroy {
  private readonly logger = new Logger(XdpClient.name);
  private readonly settings: XdpConfig;
  private readonly breaker: CircuitBreaker;
  private readonly sanitize: Sanitize;

  constructor(
    private readonly http: HttpService,
    config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.settings = config.xdp;
    this.breaker = new CircuitBreaker({ threshold: this.settings.breakerThreshold, cooldownMs: this.settings.breakerCooldownMs });
    this.sanitize = createMessageSanitizer({ secrets: config.secretValues, internalEndpoints: config.internalEndpoints });
  }

  /** False when XDP_BASE_URL is unset; every call then fails with `unavailable`. */
  get enabled(): boolean {
    return this.settings.enabled;
  }

  breakerSnapshot(): BreakerSnapshot {
    return this.breaker.snapshot();
  }

  /** `GET /datastore` — one page of data stores, with `data.meta` paging. */
  async listDatastores(params: XdpListDatastoresParams, options: XdpCallOptions = {}): Promise<XdpDataStorePage> {
    const request: XdpRequest = {
      method: 'GET',
      path: '/datastore',
      params: { page: params.page, size: params.size, sort_by: params.sortBy },
      idempotent: true,
      parse: JSON.parse,
    };
    return this.call(request, options, (answer) => this.enveloped(request, answer, checkDataStorePage));
  }

  /** `GET /dataplane` — answered without the success envelope. */
  async listDataplanes(options: XdpCallOptions = {}): Promise<XdpDataplaneList> {
    const request: XdpRequest = { method: 'GET', path: '/dataplane', idempotent: true, parse: JSON.parse };
    return this.call(request, options, (answer) =>
      // Tolerate XDP wrapping this one in the envelope as well: a `success` field means it did.
      typeof answer.body === 'object' && answer.body !== null && 'success' in answer.body
        ? this.enveloped(request, answer, checkDataplaneList)
        : this.checked(request, answer, checkDataplaneList),
    );
  }

  /**
   * `POST /query/execute` with `engine: "TRINO"`. Never retried (a query is not known to be
   * idempotent). Throws XdpQueryError when XDP reports a non-null `error` or `result.error`,
   * whatever the HTTP status. Numbers JSON cannot carry exactly arrive as decimal strings.
   */
  async executeQuery(params: XdpExecuteQueryParams, options: XdpCallOptions = {}): Promise<XdpQueryExecution> {
    const request: XdpRequest = {
      method: 'POST',
      path: '/query/execute',
      body: { engine: 'TRINO', dataplane: params.dataplane, query: params.query },
      idempotent: false,
      parse: parseExactJson,
    };
    return this.call(request, options, (answer) => {
      const body = answer.body as { success?: unknown } | null;
      if (typeof body === 'object' && body !== null && body.success === false) {
        throw errorForFailureEnvelope(label(request), answer.status, upstreamSaid(body, this.sanitize));
      }
      const execution = this.checked(request, answer, checkQueryExecution);
      const failure = queryFailureOf(execution, answer.status, this.sanitize);
      if (failure) throw failure;
      return this.withSafeQueryIds(execution);
    });
  }

  /**
   * The cheap connection check (`GET /datastore?page=0&size=1`): one attempt, bypassing an open
   * breaker, its outcome fed to the breaker so a recovered XDP is noticed without user traffic.
   */
  async checkConnection(options: XdpCallOptions = {}): Promise<void> {
    const request: XdpRequest = {
      method: 'GET',
      path: '/datastore',
      params: { page: 0, size: 1 },
      idempotent: true,
      parse: JSON.parse,
      probe: true,
    };
    await this.call(request, options, (answer) => this.enveloped(request, answer, checkDataStorePage));
  }

  /** XDP's query ids reach callers in results: shown only when they still look like ids once scrubbed. */
  private withSafeQueryIds(execution: XdpQueryExecution): XdpQueryExecution {
    const queryId = safeIdentifier(execution.queryId, this.sanitize) ?? null;
    const result = execution.result ? { ...execution.result, id: safeIdentifier(execution.result.id, this.sanitize) } : execution.result;
    return { ...execution, queryId, result };
  }

  onModuleDestroy(): void {
    const defaults = this.http.axiosRef.defaults;
    (defaults.httpAgent as { destroy?: () => void } | undefined)?.destroy?.();
    (defaults.httpsAgent as { destroy?: () => void } | undefined)?.destroy?.();
  }

  /** Sends, interprets the answer, and logs why the call failed. */
  private async call<T>(request: XdpRequest, options: XdpCallOptions, interpret: (answer: Answer) => T): Promise<T> {
    try {
      return interpret(await this.send(request, options));
    } catch (error) {
      if (isXdpRequestError(error) && !request.probe) this.logFailure(error);
      throw error;
    }
  }

  /** Checks the envelope, surfaces `success: false`, then validates `data`. */
  private enveloped<T>(request: XdpRequest, answer: Answer, check: Check<T>): T {
    const envelope = checkEnvelope(answer.body);
    if (!envelope.ok) throw errorForBadBody(label(request), answer.status, envelope.problem);
    if (!envelope.value.success) throw errorForFailureEnvelope(label(request), answer.status, upstreamSaid(answer.body, this.sanitize));
    return this.checked(request, { status: answer.status, body: envelope.value.data }, check);
  }

  private checked<T>(request: XdpRequest, answer: Answer, check: Check<T>): T {
    const result = check(answer.body);
    if (!result.ok) throw errorForBadBody(label(request), answer.status, result.problem);
    return result.value;
  }

  /** Runs the attempts of one call under one deadline; resolves with a parsed 2xx body. */
  private async send(request: XdpRequest, options: XdpCallOptions): Promise<Answer> {
    if (!this.settings.enabled) throw new ToolError('unavailable', XDP_NOT_CONFIGURED);
    const endpoint = label(request);
    const timeoutMs = options.timeoutMs ?? this.settings.timeoutMs;
    const deadline = performance.now() + timeoutMs;
    const maxAttempts = request.idempotent && !request.probe ? this.settings.maxAttempts : 1;
    for (let attempt = 1; ; attempt++) {
      if (options.signal?.aborted) throw errorForCancel(endpoint);
      if (!request.probe && !this.breaker.admit()) {
        this.metrics.recordUpstreamRequest('xdp', request.path, 'circuit_open', 0);
        throw errorForOpenCircuit(endpoint, this.breaker.snapshot());
      }
      const outcome = await this.attempt(request, deadline - performance.now(), options.signal, attempt);
      const retryIn = this.settle(request, outcome, attempt, timeoutMs);
      if ('answer' in retryIn) return retryIn.answer;
      const remaining = deadline - performance.now();
      const canRetry = attempt < maxAttempts && retryIn.delayMs !== undefined && retryIn.delayMs < remaining;
      if (!canRetry) throw retryIn.error;
      this.logger.warn(`Retrying ${endpoint} in ${retryIn.delayMs} ms (attempt ${attempt + 1} of ${maxAttempts}): ${retryIn.error.message}`);
      await this.pause(retryIn.delayMs!, options.signal, endpoint);
    }
  }

  private failed(reason: string): void {
    const before = this.breaker.state;
    this.breaker.recordFailure(reason);
    if (before !== 'open' && this.breaker.state === 'open') {
      const { consecutiveFailures } = this.breaker.snapshot();
      this.logger.error(`XDP circuit breaker opened after ${consecutiveFailures} consecutive failures (last: ${reason}); calls fail fast for ${this.settings.breakerCooldownMs} ms`);
    }
  }

  private succeeded(): void {
    if (this.breaker.state !== 'closed') this.logger.log('XDP answered again: circuit breaker closed');
    this.breaker.recordSuccess();
  }

  /**
   * Operators see why XDP calls fail. Quiet: cancellations (the caller's doing), failed queries
   * (the caller's SQL), and fast failures of an open breaker (its opening was logged once).
   */
  private logFailure(error: XdpRequestError): void {
    if (error.reason === 'cancelled' || error.reason === 'query_failed' || error.reason === 'circuit_open') return;
    this.logger.warn(`XDP call failed: ${error.message}`);
  }

  /**
   * Turns one attempt's outcome into the answer, or the error plus — when the failure is
   * transient and the request idempotent — how long to wait before trying again.
   */
  private settle(request: XdpRequest, outcome: AttemptOutcome, attempt: number, timeoutMs: number): { answer: Answer } | { error: XdpRequestError; delayMs?: number } {
    const endpoint = label(request);
    const backoff = request.idempotent ? backoffDelayMs(attempt, this.settings.retryBaseDelayMs) : undefined;
    switch (outcome.type) {
      case 'cancelled':
        this.breaker.recordNeutral();
        return { error: errorForCancel(endpoint) };
      case 'timeout':
        // Not retried: another full wait would only multiply the caller's latency.
        this.failed(`no answer within ${timeoutMs} ms`);
        return { error: errorForTimeout(endpoint, timeoutMs, attempt) };
      case 'transport': {
        if (outcome.failure.tooLarge) this.breaker.recordNeutral();
        else this.failed(outcome.failure.description);
        const error = errorForTransport(endpoint, outcome.failure, attempt, this.settings.maxResponseBytes);
        return { error, delayMs: outcome.failure.retryable ? backoff : undefined };
      }
      case 'response':
        return this.settleResponse(request, outcome.response, attempt, backoff);
    }
  }

  private settleResponse(request: XdpRequest, response: AxiosResponse<string>, attempt: number, backoff: number | undefined): { answer: Answer } | { error: XdpRequestError; delayMs?: number } {
    const endpoint = label(request);
    const { status } = response;
    const body = this.parseBody(request, response);
    if (status >= 200 && status < 300) {
      this.succeeded();
      if (!body.ok) return { error: errorForBadBody(endpoint, status, body.problem) };
      return { answer: { status, body: body.value } };
    }
    const isQuery = request.path === '/query/execute';
    // The breaker is shared by every caller: only XDP's own failures count, never one caller's bad query.
    if (verdictForStatus(status, body.ok ? body.value : undefined, isQuery) === 'unhealthy') this.failed(`HTTP ${status}`);
    else this.succeeded(); // XDP answered: it is alive, even if it refused this request.
    // A query XDP reports failed with a 5xx is the caller's query failing: report it as such.
    const queryFailure = isQuery && status >= 500 && body.ok && reportsQueryFailure(body.value) ? queryFailureOf(body.value as XdpQueryExecution, status, this.sanitize) : undefined;
    if (queryFailure) return { error: queryFailure };
    const said = body.ok ? upstreamSaid(body.value, this.sanitize) : {};
    if (status === 429) {
      const retryAfterMs = parseRetryAfterMs(headerOf(response, 'retry-after'));
      const error = errorForStatus(endpoint, status, said, attempt, retryAfterMs);
      if (backoff === undefined || (retryAfterMs ?? 0) > RETRY_AFTER_CAP_MS) return { error };
      return { error, delayMs: retryAfterMs ?? backoff };
    }
    return { error: errorForStatus(endpoint, status, said, attempt), delayMs: isRetryableStatus(status) ? backoff : undefined };
  }

  private parseBody(request: XdpRequest, response: AxiosResponse<string>): { ok: true; value: unknown } | { ok: false; problem: string } {
    const text = typeof response.data === 'string' ? response.data : '';
    if (text.trim() === '') return { ok: false, problem: 'empty body' };
    try {
      return { ok: true, value: request.parse(text) };
    } catch {
      const type = headerOf(response, 'content-type');
      return { ok: false, problem: `not valid JSON${type ? ` (content-type ${this.sanitize(type)})` : ''}` };
    }
  }

  /** One HTTP exchange, aborted by the deadline or the caller; metrics recorded per attempt. */
  private async attempt(request: XdpRequest, remainingMs: number, signal: AbortSignal | undefined, attempt: number): Promise<AttemptOutcome> {
    if (remainingMs <= 0) return { type: 'timeout' };
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(TIMED_OUT), remainingMs);
    const onCallerAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    const started = performance.now();
    let outcome: AttemptOutcome;
    try {
      const upstream = { peer: 'xdp', method: request.method, url: `${this.settings.baseUrl}${request.path}`, resendCount: attempt - 1 };
      const response = await tracedUpstreamRequest(
        upstream,
        (traceHeaders) => this.http.axiosRef.request<string>({ method: request.method, url: request.path, params: request.params, data: request.body, headers: traceHeaders, signal: controller.signal }),
        (answer) => answer.status,
      );
      outcome = { type: 'response', response };
    } catch (error) {
      if (controller.signal.aborted) outcome = { type: controller.signal.reason === TIMED_OUT ? 'timeout' : 'cancelled' };
      else outcome = { type: 'transport', failure: classifyTransportError(error) };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCallerAbort);
    }
    const status = outcome.type === 'response' ? String(outcome.response.status) : outcome.type === 'transport' ? 'connection_error' : outcome.type;
    this.metrics.recordUpstreamRequest('xdp', request.path, status, (performance.now() - started) / 1000);
    return outcome;
  }

  private async pause(ms: number, signal: AbortSignal | undefined, endpoint: string): Promise<void> {
    try {
      await sleep(ms, undefined, { signal });
    } catch {
      throw errorForCancel(endpoint);
    }
  }
}

function label(request: XdpRequest): string {
  return `${request.method} ${request.path}`;
}

function headerOf(response: AxiosResponse, name: string): string | undefined {
  const value = (response.headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}
