import { ToolError, type ToolErrorKind } from '#tool-contract';

/** Trino's `QueryError` (trino-protocol.md §3); XDP may also send the message alone. */
export interface TrinoQueryError {
  message?: string;
  errorCode?: number;
  errorName?: string;
  errorType?: string;
  errorLocation?: { lineNumber: number; columnNumber: number };
}

const KIND_BY_ERROR_NAME: Record<string, ToolErrorKind> = {
  CATALOG_NOT_FOUND: 'not_found',
  SCHEMA_NOT_FOUND: 'not_found',
  TABLE_NOT_FOUND: 'not_found',
  COLUMN_NOT_FOUND: 'not_found',
  FUNCTION_NOT_FOUND: 'not_found',
  PERMISSION_DENIED: 'forbidden',
  ACCESS_DENIED: 'forbidden',
  EXCEEDED_TIME_LIMIT: 'timeout',
  USER_CANCELED: 'cancelled',
};

function kindOf(error: TrinoQueryError): ToolErrorKind {
  const byName = error.errorName ? KIND_BY_ERROR_NAME[error.errorName] : undefined;
  if (byName) return byName;
  if (error.errorType === 'USER_ERROR') return 'invalid_arguments';
  if (error.errorType === 'INSUFFICIENT_RESOURCES') return 'busy';
  return 'upstream';
}

/** A failed query as a ToolError: user mistakes are 4xx-like, engine failures `upstream`. */
export function queryFailure(error: TrinoQueryError | string, engine: string): ToolError {
  if (typeof error === 'string') return new ToolError('upstream', `${engine} query failed: ${error}`);
  const where = error.errorLocation ? ` (line ${error.errorLocation.lineNumber}:${error.errorLocation.columnNumber})` : '';
  const name = error.errorName ? `${error.errorName}: ` : '';
  return new ToolError(kindOf(error), `${engine} query failed: ${name}${error.message ?? 'unknown error'}${where}`);
}
