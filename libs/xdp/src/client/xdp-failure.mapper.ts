import type { BreakerSnapshot } from '../resilience/upstream-policy.js';
import { XdpQueryError, XdpRequestError } from './xdp.errors.js';
import { safeIdentifier, type Sanitize } from './message-sanitizer.js';
import type { XdpQueryExecution, XdpTrinoError } from './xdp.models.js';

/** What XDP itself said in a body, sanitised. */
export interface UpstreamSaid {
  message?: string;
  errorCode?: number | string;
}

/** A request that never produced a complete HTTP response. */
export interface TransportFailure {
  /** e.g. `connection refused (ECONNREFUSED)`. */
  description: string;
  /** Worth retrying on an idempotent request. */
  retryable: boolean;
  tooLarge: boolean;
}

/** What a failure code means and whether a second attempt can succeed (TLS and DNS-name failures will not fix themselves). */
const TRANSPORT_FAILURES: Record<string, { description: string; retryable: boolean }> = {
  // The system's socket errors, as undici passes them on.
  ECONNREFUSED: { description: 'connection refused', retryable: true },
  ECONNRESET: { description: 'connection reset', retryable: true },
  EPIPE: { description: 'connection closed while sending', retryable: true },
  ECONNABORTED: { description: 'connection aborted', retryable: true },
  ETIMEDOUT: { description: 'connection timed out', retryable: true },
  ENOTFOUND: { description: 'host not found', retryable: false },
  EAI_AGAIN: { description: 'DNS lookup failed', retryable: true },
  EHOSTUNREACH: { description: 'host unreachable', retryable: true },
  ENETUNREACH: { description: 'network unreachable', retryable: true },
  // undici's own error classes (errors.SocketError, errors.ConnectTimeoutError, ...), by their documented codes.
  UND_ERR_SOCKET: { description: 'connection closed before the response was complete', retryable: true },
  UND_ERR_CONNECT_TIMEOUT: { description: 'connection timed out', retryable: true },
  UND_ERR_HEADERS_TIMEOUT: { description: 'no response headers in time', retryable: true },
  UND_ERR_BODY_TIMEOUT: { description: 'the response body stalled', retryable: true },
  UND_ERR_HEADERS_OVERFLOW: { description: 'response headers too large', retryable: false },
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: { description: 'response body shorter or longer than announced', retryable: true },
  UND_ERR_CLOSED: { description: 'the connection pool is closed (shutting down)', retryable: false },
  UND_ERR_DESTROYED: { description: 'the connection pool is closed (shutting down)', retryable: false },
};

const TOO_LARGE = 'UND_ERR_RES_EXCEEDED_MAX_SIZE';

/** Reads XDP's `message`/`detailedMessage` (envelope) or an `error` string/object from any body. */
export function upstreamSaid(body: unknown, sanitize: Sanitize): UpstreamSaid {
  if (typeof body !== 'object' || body === null) return {};
  const record = body as Record<string, unknown>;
  const parts = [record.message, record.detailedMessage, errorText(record.error)]
    .filter((part): part is string => typeof part === 'string' && part.trim() !== '')
    .map(sanitize);
  const unique = [...new Set(parts)];
  const errorCode = safeIdentifier(
    typeof record.errorCode === 'number' || typeof record.errorCode === 'string' ? record.errorCode : undefined,
    sanitize,
  );
  return { message: unique.length > 0 ? unique.join(' — ') : undefined, errorCode };
}

function errorText(error: unknown): string | undefined {
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null && typeof (error as XdpTrinoError).message === 'string')
    return (error as XdpTrinoError).message;
  return undefined;
}

function saidSuffix(said: UpstreamSaid): string {
  const code = said.errorCode !== undefined && said.errorCode !== 0 ? ` (errorCode ${said.errorCode})` : '';
  return said.message ? `${code}. XDP said: ${said.message}` : code;
}

function attemptsSuffix(attempts: number): string {
  return attempts > 1 ? ` after ${attempts} attempts` : '';
}

/** Maps an HTTP error status (XDP answered, but not with success) to a precise error. */
export function errorForStatus(
  endpoint: string,
  status: number,
  said: UpstreamSaid,
  attempts: number,
  retryAfterMs?: number,
): XdpRequestError {
  const details = { upstreamStatus: status, errorCode: said.errorCode, attempts };
  if (status === 401 || status === 403) {
    return new XdpRequestError(
      'upstream',
      `XDP rejected the credentials (HTTP ${status}) for ${endpoint}: check XDP_ACCESS_KEY and XDP_SECRET_KEY${saidSuffix(said)}`,
      'credentials_rejected',
      endpoint,
      details,
    );
  }
  if (status === 404) {
    return new XdpRequestError(
      'upstream',
      `XDP answered 404 Not Found for ${endpoint}: check that XDP_BASE_URL is the control-plane API root (https://<host>/xdp-cp-service/api)${saidSuffix(said)}`,
      'not_found',
      endpoint,
      details,
    );
  }
  if (status === 429) {
    const retryAfterSeconds = retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000);
    const when = retryAfterSeconds === undefined ? 'retry later' : `retry after ${retryAfterSeconds} s`;
    return new XdpRequestError(
      'rate_limited',
      `XDP is rate limiting requests (HTTP 429) for ${endpoint}${attemptsSuffix(attempts)}; ${when}${saidSuffix(said)}`,
      'rate_limited',
      endpoint,
      { ...details, retryAfterSeconds },
    );
  }
  if (status >= 500) {
    return new XdpRequestError(
      'upstream',
      `XDP failed with HTTP ${status} for ${endpoint}${attemptsSuffix(attempts)}${saidSuffix(said)}`,
      'server_error',
      endpoint,
      details,
    );
  }
  if (status >= 300 && status < 400) {
    return new XdpRequestError(
      'upstream',
      `XDP answered ${endpoint} with a redirect (HTTP ${status}); redirects are not followed so the credentials are never sent elsewhere: set XDP_BASE_URL to the final URL`,
      'redirect',
      endpoint,
      details,
    );
  }
  // 400/422: XDP judged the request itself (e.g. an unknown sort field) — the caller's arguments.
  const kind = status === 400 || status === 422 ? 'invalid_arguments' : 'upstream';
  return new XdpRequestError(
    kind,
    `XDP rejected ${endpoint} with HTTP ${status}${saidSuffix(said)}`,
    'rejected_request',
    endpoint,
    details,
  );
}

/** `success: false`, which XDP may send with HTTP 200. */
export function errorForFailureEnvelope(endpoint: string, status: number, said: UpstreamSaid): XdpRequestError {
  const code = said.errorCode !== undefined ? ` (errorCode ${said.errorCode})` : '';
  return new XdpRequestError(
    'upstream',
    `XDP reported a failure for ${endpoint}${code}: ${said.message ?? 'no message given'}`,
    'failure_envelope',
    endpoint,
    {
      upstreamStatus: status,
      errorCode: said.errorCode,
    },
  );
}

export function errorForBadBody(endpoint: string, status: number, problem: string): XdpRequestError {
  return new XdpRequestError('upstream', `XDP returned a bad response body for ${endpoint}: ${problem}`, 'bad_response', endpoint, {
    upstreamStatus: status,
  });
}

export function errorForTimeout(endpoint: string, timeoutMs: number, attempts: number): XdpRequestError {
  return new XdpRequestError(
    'timeout',
    `XDP did not answer ${endpoint} within ${timeoutMs} ms${attemptsSuffix(attempts)} (XDP_TIMEOUT_MS)`,
    'timeout',
    endpoint,
    { attempts },
  );
}

export function errorForCancel(endpoint: string): XdpRequestError {
  return new XdpRequestError('cancelled', `The XDP request ${endpoint} was cancelled by the caller`, 'cancelled', endpoint);
}

/** The internal address is not named: callers learn that XDP is unreachable, operators know where it is (XDP_BASE_URL). */
export function errorForTransport(endpoint: string, failure: TransportFailure, attempts: number, maxBytes: number): XdpRequestError {
  if (failure.tooLarge) {
    return new XdpRequestError(
      'upstream',
      `XDP's answer to ${endpoint} is larger than XDP_MAX_RESPONSE_BYTES (${maxBytes} bytes)`,
      'too_large',
      endpoint,
      { attempts },
    );
  }
  return new XdpRequestError(
    'unavailable',
    `XDP is unreachable for ${endpoint}${attemptsSuffix(attempts)}: ${failure.description}`,
    'unreachable',
    endpoint,
    { attempts },
  );
}

export function errorForOpenCircuit(endpoint: string, breaker: BreakerSnapshot): XdpRequestError {
  const last = breaker.lastFailure ? ` (last: ${breaker.lastFailure})` : '';
  // The breaker refuses calls only while open (a half-open breaker makes callers wait for its probe), so the time left is known.
  const wait = `new requests are refused for another ${Math.ceil((breaker.retryInMs ?? 0) / 1000)} s`;
  return new XdpRequestError(
    'unavailable',
    `XDP is unavailable: ${breaker.consecutiveFailures} consecutive requests failed${last}; ${wait}. Failing fast instead of waiting for ${endpoint}`,
    'circuit_open',
    endpoint,
  );
}

/**
 * Classifies an error of a request that was not aborted by us, by its code (undici's error classes
 * and Node's socket errors carry one); message text is never matched. A code we do not know is
 * shown with the error's own message, which the caller scrubs.
 */
export function classifyTransportError(error: unknown): TransportFailure {
  const code = codeOf(error);
  if (code === TOO_LARGE) return { description: 'response too large', retryable: false, tooLarge: true };
  const known = code === undefined ? undefined : TRANSPORT_FAILURES[code];
  if (known) return { description: `${known.description} (${code})`, retryable: known.retryable, tooLarge: false };
  // llhttp's parse errors (HPE_*): whatever answered does not speak HTTP/1.1 correctly.
  if (code?.startsWith('HPE_')) return { description: `invalid HTTP response (${code})`, retryable: false, tooLarge: false };
  const message = error instanceof Error ? error.message : String(error);
  return { description: code ? `${message} (${code})` : message, retryable: false, tooLarge: false };
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A failed query: a non-null `error` at the top or in `result`. Undefined when the query succeeded. */
export function queryFailureOf(execution: XdpQueryExecution, status: number, sanitize: Sanitize): XdpQueryError | undefined {
  const error = execution.error ?? execution.result?.error ?? undefined;
  if (error === undefined || error === null) return undefined;
  const text = sanitize(errorText(error) ?? JSON.stringify(error));
  // errorName, errorCode and queryId are shown as identifiers only: XDP may echo anything in them.
  const errorName = typeof error === 'object' ? safeIdentifier(error.errorName, sanitize) : undefined;
  const queryId = safeIdentifier(execution.queryId ?? execution.result?.id, sanitize);
  const safeError =
    typeof error === 'object'
      ? {
          message: text,
          errorName,
          errorCode: safeIdentifier(error.errorCode, sanitize),
          errorType: safeIdentifier(error.errorType, sanitize),
        }
      : text;
  return new XdpQueryError(
    `Query failed${queryId ? ` [${queryId}]` : ''}: ${text}${errorName ? ` (${errorName})` : ''}`,
    safeError,
    queryId,
    status,
  );
}
