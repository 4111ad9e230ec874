import { ToolError, kindOfTrinoError, type ToolErrorKind } from '#tool-contract';
import type { XdpTrinoError } from './xdp.models.js';

/** Why an XDP call failed, precise enough for health reporting and tests. */
export type XdpFailureReason =
  | 'not_configured'
  | 'credentials_rejected'
  | 'not_found'
  | 'rejected_request'
  | 'rate_limited'
  | 'timeout'
  | 'unreachable'
  | 'server_error'
  | 'failure_envelope'
  | 'bad_response'
  | 'too_large'
  | 'redirect'
  | 'circuit_open'
  | 'cancelled'
  | 'query_failed';

export interface XdpErrorDetails {
  /** HTTP status XDP answered with, when it answered. */
  upstreamStatus?: number;
  /** XDP's own `errorCode` from its envelope. */
  errorCode?: number | string;
  retryAfterSeconds?: number;
  /** Attempts made, retries included. */
  attempts?: number;
}

/** A ToolError that keeps what XDP said: status, errorCode and a classified reason. */
export class XdpRequestError extends ToolError {
  readonly errorCode?: number | string;
  readonly attempts?: number;

  constructor(
    kind: ToolErrorKind,
    message: string,
    readonly reason: XdpFailureReason,
    /** e.g. `GET /datastore`. */
    readonly endpoint: string,
    details: XdpErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(kind, message, { upstreamStatus: details.upstreamStatus, retryAfterSeconds: details.retryAfterSeconds }, options);
    this.name = 'XdpRequestError';
    this.errorCode = details.errorCode;
    this.attempts = details.attempts;
  }
}

/** The query ran and failed: XDP reported a non-null `error` or `result.error` (possibly with HTTP 200). */
export class XdpQueryError extends XdpRequestError {
  constructor(
    message: string,
    /** Trino's error object, or the string XDP gave. */
    readonly queryError: XdpTrinoError | string,
    readonly queryId: string | undefined,
    upstreamStatus: number,
  ) {
    // Classified like a direct Trino failure: a USER_ERROR is the caller's query, not an upstream fault.
    const kind: ToolErrorKind = typeof queryError === 'object' ? kindOfTrinoError(queryError) : 'upstream';
    super(kind, message, 'query_failed', 'POST /query/execute', {
      upstreamStatus,
      errorCode: typeof queryError === 'object' ? queryError.errorCode : undefined,
    });
    this.name = 'XdpQueryError';
  }
}

export function isXdpRequestError(error: unknown): error is XdpRequestError {
  return error instanceof XdpRequestError;
}
