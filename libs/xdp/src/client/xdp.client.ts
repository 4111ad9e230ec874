import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AppConfig, type XdpConfig } from '#config';
import { MetricsService, tracedUpstreamRequest } from '#observability';
import { ToolError } from '#tool-contract';
import { BREAKER_CLOCK, type BreakerClock } from '../resilience/breaker-clock.js';
import { reportsQueryFailure, verdictForStatus } from '../resilience/breaker-policy.js';
import { isRetryableStatus, parseRetryAfterMs, RETRY_AFTER_CAP_MS } from '../resilience/retry-policy.js';
import { AttemptFailure, type BreakerSnapshot, UpstreamPolicy, UpstreamUnhealthy } from '../resilience/upstream-policy.js';
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
  upstreamSaid,
} from './xdp-failure.mapper.js';
import { type XdpHttpAnswer, XdpHttpPool } from './xdp-http.pool.js';
import { type Check, checkDataplaneList, checkDataStorePage, checkEnvelope, checkQueryExecution } from './xdp-response.validator.js';
import { isXdpRequestError, type XdpRequestError } from './xdp.errors.js';
import type {
  XdpDataplaneList,
  XdpDataStorePage,
  XdpExecuteQueryParams,
  XdpListDatastoresParams,
  XdpQueryExecution,
} from './xdp.models.js';

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

type ParsedBody = { ok: true; value: unknown } | { ok: false; problem: string };

/** An answer XDP gave, its body parsed once. */
interface Exchange {
  response: XdpHttpAnswer;
  body: ParsedBody;
}

/**
 * XDP control-plane client. Every request carries the `accessKey`/`secretKey` headers, runs
 * under one deadline (XDP_TIMEOUT_MS, retries included) and the caller's AbortSignal, and every
 * answer is validated before it is typed. Idempotent GETs are retried with jittered exponential
 * backoff on connection errors, 502/503/504 and 429 (honouring Retry-After); the query POST is
 * never retried. A circuit breaker makes a dead XDP fail fast.
 */
@Injectable()
export class XdpClient {
  private readonly logger = new Logger(XdpClient.name);
  private readonly settings: XdpConfig;
  private readonly policy: UpstreamPolicy;
  private readonly sanitize: Sanitize;

  constructor(
    private readonly http: XdpHttpPool,
    config: AppConfig,
    private readonly metrics: MetricsService,
    @Optional() @Inject(BREAKER_CLOCK) now?: BreakerClock,
  ) {
    this.settings = config.xdp;
    this.policy = new UpstreamPolicy({
      maxAttempts: this.settings.maxAttempts,
      baseDelayMs: this.settings.retryBaseDelayMs,
      breaker: { threshold: this.settings.breakerThreshold, cooldownMs: this.settings.breakerCooldownMs },
      onBreakerChange: (snapshot) => this.breakerChanged(snapshot),
      now,
    });
    this.sanitize = createMessageSanitizer({ secrets: config.secretValues, internalEndpoints: config.internalEndpoints });
  }

  /** False when XDP_BASE_URL is unset; every call then fails with `unavailable`. */
  get enabled(): boolean {
    return this.settings.enabled;
  }

  breakerSnapshot(): BreakerSnapshot {
    return this.policy.snapshot();
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

  /** One call under the shared upstream policy (deadline, retries, breaker); resolves with a parsed 2xx body. */
  private async send(request: XdpRequest, options: XdpCallOptions): Promise<Answer> {
    if (!this.settings.enabled) throw new ToolError('unavailable', XDP_NOT_CONFIGURED);
    const endpoint = label(request);
    const timeoutMs = options.timeoutMs ?? this.settings.timeoutMs;
    return this.policy.run(
      (signal, attempt) => this.attempt(request, signal, options.signal, attempt, timeoutMs),
      (exchange, attempt) => this.settle(request, exchange, attempt),
      {
        signal: options.signal,
        timeoutMs,
        idempotent: request.idempotent,
        guarded: !request.probe,
        onRetry: (error, delayMs, next) =>
          this.logger.warn(`Retrying ${endpoint} in ${delayMs} ms (attempt ${next} of ${this.settings.maxAttempts}): ${error.message}`),
        errors: {
          cancelled: () => errorForCancel(endpoint),
          timedOut: (attempts) => errorForTimeout(endpoint, timeoutMs, attempts),
          circuitOpen: (snapshot) => {
            this.metrics.recordUpstreamRequest('xdp', request.path, 'circuit_open', 0);
            return errorForOpenCircuit(endpoint, snapshot);
          },
        },
      },
    );
  }

  private breakerChanged(snapshot: BreakerSnapshot): void {
    if (snapshot.state === 'closed') {
      this.logger.log('XDP answered again: circuit breaker closed');
      return;
    }
    this.logger.error(
      `XDP circuit breaker opened after ${snapshot.consecutiveFailures} consecutive failures (last: ${snapshot.lastFailure}); calls fail fast for ${this.settings.breakerCooldownMs} ms`,
    );
  }

  /**
   * Operators see why XDP calls fail. Quiet: cancellations (the caller's doing), failed queries
   * (the caller's SQL), and fast failures of an open breaker (its opening was logged once).
   */
  private logFailure(error: XdpRequestError): void {
    if (error.reason === 'cancelled' || error.reason === 'query_failed' || error.reason === 'circuit_open') return;
    this.logger.warn(`XDP call failed: ${error.message}`);
  }

  /** A 2xx answer, or the error it stands for and whether another attempt may fare better. */
  private settle(request: XdpRequest, { response, body }: Exchange, attempt: number): Answer {
    const { status } = response;
    if (status >= 200 && status < 300) {
      if (!body.ok) throw new AttemptFailure(errorForBadBody(label(request), status, body.problem));
      return { status, body: body.value };
    }
    const { error, retryInMs } = this.failureOf(request, response, body, attempt);
    throw new AttemptFailure(error, retryInMs);
  }

  private failureOf(
    request: XdpRequest,
    response: XdpHttpAnswer,
    body: ParsedBody,
    attempt: number,
  ): { error: XdpRequestError; retryInMs?: number } {
    const endpoint = label(request);
    const { status } = response;
    const backoff = request.idempotent ? this.policy.backoffMs(attempt) : undefined;
    // A query XDP reports failed with a 5xx is the caller's query failing: report it as such.
    const queryFailure =
      request.path === '/query/execute' && status >= 500 && body.ok && reportsQueryFailure(body.value)
        ? queryFailureOf(body.value as XdpQueryExecution, status, this.sanitize)
        : undefined;
    if (queryFailure) return { error: queryFailure };
    const said = body.ok ? upstreamSaid(body.value, this.sanitize) : {};
    if (status === 429) {
      const retryAfterMs = parseRetryAfterMs(headerOf(response, 'retry-after'));
      const error = errorForStatus(endpoint, status, said, attempt, retryAfterMs);
      if (backoff === undefined || (retryAfterMs ?? 0) > RETRY_AFTER_CAP_MS) return { error };
      return { error, retryInMs: retryAfterMs ?? backoff };
    }
    return { error: errorForStatus(endpoint, status, said, attempt), retryInMs: isRetryableStatus(status) ? backoff : undefined };
  }

  private parseBody(request: XdpRequest, response: XdpHttpAnswer): ParsedBody {
    const text = response.data;
    if (text.trim() === '') return { ok: false, problem: 'empty body' };
    try {
      return { ok: true, value: request.parse(text) };
    } catch {
      const type = headerOf(response, 'content-type');
      return { ok: false, problem: `not valid JSON${type ? ` (content-type ${this.sanitize(type)})` : ''}` };
    }
  }

  /**
   * One HTTP exchange under the policy's signal (the deadline or the caller); metrics recorded
   * per attempt. Resolves for every answer that shows XDP healthy (even one refusing this
   * request); throws UpstreamUnhealthy for the failures the shared breaker counts.
   */
  private async attempt(
    request: XdpRequest,
    signal: AbortSignal,
    callerSignal: AbortSignal | undefined,
    attempt: number,
    timeoutMs: number,
  ): Promise<Exchange> {
    const endpoint = label(request);
    const started = performance.now();
    let status: string;
    try {
      const upstream = { peer: 'xdp', method: request.method, url: `${this.settings.baseUrl}${request.path}`, resendCount: attempt - 1 };
      const response = await tracedUpstreamRequest(
        upstream,
        (traceHeaders) =>
          this.http.send({
            method: request.method,
            path: request.path,
            params: request.params,
            body: request.body,
            headers: traceHeaders,
            signal,
          }),
        (answer) => answer.status,
      );
      status = String(response.status);
      const body = this.parseBody(request, response);
      // The breaker is shared by every caller: only XDP's own failures count, never one caller's bad query.
      if (verdictForStatus(response.status, body.ok ? body.value : undefined, request.path === '/query/execute') === 'healthy')
        return { response, body };
      const { error, retryInMs } = this.failureOf(request, response, body, attempt);
      throw new UpstreamUnhealthy(error, `HTTP ${response.status}`, retryInMs);
    } catch (error) {
      if (error instanceof AttemptFailure) throw error;
      if (signal.aborted) {
        status = callerSignal?.aborted ? 'cancelled' : 'timeout';
        if (callerSignal?.aborted) throw new AttemptFailure(errorForCancel(endpoint));
        // Not retried: another full wait would only multiply the caller's latency.
        throw new UpstreamUnhealthy(errorForTimeout(endpoint, timeoutMs, attempt), `no answer within ${timeoutMs} ms`);
      }
      status = 'connection_error';
      const classified = classifyTransportError(error);
      // A socket error's own text may name the internal address; ours never does.
      const failure = { ...classified, description: this.sanitize(classified.description) };
      const failed = errorForTransport(endpoint, failure, attempt, this.settings.maxResponseBytes);
      if (failure.tooLarge) throw new AttemptFailure(failed);
      throw new UpstreamUnhealthy(
        failed,
        failure.description,
        failure.retryable && request.idempotent ? this.policy.backoffMs(attempt) : undefined,
      );
    } finally {
      this.metrics.recordUpstreamRequest('xdp', request.path, status!, (performance.now() - started) / 1000);
    }
  }
}

function label(request: XdpRequest): string {
  return `${request.method} ${request.path}`;
}

function headerOf(response: XdpHttpAnswer, name: string): string | undefined {
  const value = response.headers[name];
  return typeof value === 'string' ? value : undefined;
}
