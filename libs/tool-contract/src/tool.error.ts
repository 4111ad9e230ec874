/**
 * Failure categories shared by every transport. MCP reports them as tool results with
 * `isError: true` (or JSON-RPC errors for `invalid_arguments` / `not_found`); REST maps
 * them to HTTP statuses.
 */
export type ToolErrorKind =
  | 'invalid_arguments'
  | 'not_found'
  | 'forbidden'
  | 'unavailable'
  | 'busy'
  | 'too_large'
  | 'rate_limited'
  | 'upstream'
  | 'timeout'
  | 'cancelled'
  | 'internal';

export interface FieldProblem {
  field: string;
  message: string;
}

export class ToolError extends Error {
  constructor(
    readonly kind: ToolErrorKind,
    message: string,
    readonly details: { fields?: FieldProblem[]; upstreamStatus?: number; retryAfterSeconds?: number } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ToolError';
  }
}

export function isToolError(error: unknown): error is ToolError {
  return error instanceof ToolError;
}
