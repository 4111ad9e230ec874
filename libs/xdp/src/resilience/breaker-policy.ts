/**
 * Whether an XDP answer says something about XDP's health, for the shared circuit breaker.
 * The breaker is shared by every caller, so it must open on XDP being unwell — never on one
 * caller's mistakes, or one user's bad SQL (which XDP may report as HTTP 500) would lock
 * everyone out.
 */
export type UpstreamVerdict = 'healthy' | 'unhealthy';

/** Gateway and overload statuses: XDP itself (or what is in front of it) is not serving. */
const UNHEALTHY_STATUSES = new Set([502, 503, 504]);

/**
 * An HTTP answer's verdict. 2xx–4xx: XDP answered and judged the request (`healthy`). 502/503/504:
 * `unhealthy`. Another 5xx is `unhealthy` unless the answer to a query carries the query-failure
 * shape (a non-null `error` or `result.error`): then the query failed, not XDP.
 */
export function verdictForStatus(status: number, body: unknown, isQuery: boolean): UpstreamVerdict {
  if (status < 500) return 'healthy';
  if (UNHEALTHY_STATUSES.has(status)) return 'unhealthy';
  return isQuery && reportsQueryFailure(body) ? 'healthy' : 'unhealthy';
}

/** The `POST /query/execute` failure shape: a non-null `error` at the top or in `result`. */
export function reportsQueryFailure(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const { error, result } = body as { error?: unknown; result?: unknown };
  if (error !== undefined && error !== null) return true;
  return typeof result === 'object' && result !== null && (result as { error?: unknown }).error != null;
}
