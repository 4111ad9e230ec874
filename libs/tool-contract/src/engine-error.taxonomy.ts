import type { ToolErrorKind } from './tool.error.js';

/**
 * The one error taxonomy of the three query engines (direct Trino, Trino behind XDP, embedded
 * DuckDB): each engine's failure is reduced to a ToolErrorKind here, so the same mistake gets the
 * same REST status and MCP error kind whichever engine ran it. Transports map kinds to statuses
 * (user 400/404, permission 403, size and memory limits 413, time limits 504, engine or upstream
 * 502/503/504).
 */

/** The fields of Trino's QueryError the taxonomy reads (XDP forwards the same object). */
export interface TrinoErrorCode {
  errorName?: string;
  errorType?: string;
}

/** Trino error names whose kind is more precise than their errorType's. */
const KIND_BY_TRINO_ERROR_NAME: Record<string, ToolErrorKind> = {
  CATALOG_NOT_FOUND: 'not_found',
  SCHEMA_NOT_FOUND: 'not_found',
  TABLE_NOT_FOUND: 'not_found',
  COLUMN_NOT_FOUND: 'not_found',
  FUNCTION_NOT_FOUND: 'not_found',
  MISSING_CATALOG_NAME: 'invalid_arguments',
  PERMISSION_DENIED: 'forbidden',
  ACCESS_DENIED: 'forbidden',
  EXCEEDED_TIME_LIMIT: 'timeout',
  EXCEEDED_CPU_LIMIT: 'timeout',
  // A query too big for the memory, spill or scan budget fails the same way on retry: the caller
  // has to narrow it (aggregate, filter, LIMIT), so these are not "busy".
  EXCEEDED_GLOBAL_MEMORY_LIMIT: 'too_large',
  EXCEEDED_LOCAL_MEMORY_LIMIT: 'too_large',
  EXCEEDED_USER_MEMORY_LIMIT: 'too_large',
  EXCEEDED_MEMORY_LIMIT: 'too_large',
  EXCEEDED_FUNCTION_MEMORY_LIMIT: 'too_large',
  EXCEEDED_SPILL_LIMIT: 'too_large',
  EXCEEDED_SCAN_LIMIT: 'too_large',
  EXCEEDED_WRITE_LIMIT: 'too_large',
  ADMINISTRATIVELY_KILLED: 'unavailable',
  SERVER_SHUTTING_DOWN: 'unavailable',
  SERVER_STARTING_UP: 'unavailable',
  NO_NODES_AVAILABLE: 'unavailable',
  USER_CANCELED: 'cancelled',
};

/** Trino's errorType: USER_ERROR, INTERNAL_ERROR, INSUFFICIENT_RESOURCES, EXTERNAL. */
const KIND_BY_TRINO_ERROR_TYPE: Record<string, ToolErrorKind> = {
  USER_ERROR: 'invalid_arguments',
  // Queue and cluster-capacity limits: the cluster may have room again later (the per-query
  // memory limits are named above).
  INSUFFICIENT_RESOURCES: 'busy',
  INTERNAL_ERROR: 'upstream',
  EXTERNAL: 'upstream',
};

export function kindOfTrinoError(error: TrinoErrorCode): ToolErrorKind {
  const byName = error.errorName ? KIND_BY_TRINO_ERROR_NAME[error.errorName] : undefined;
  return byName ?? (error.errorType ? KIND_BY_TRINO_ERROR_TYPE[error.errorType] : undefined) ?? 'upstream';
}

/**
 * DuckDB's exception class, as the first words of its message ("Binder Error: ..."). Catalog errors
 * name a missing table, column or function; the others listed are mistakes in the statement or its
 * values. Anything else (I/O, internal, fatal) is the engine's failure.
 */
const KIND_BY_DUCKDB_CLASS: Array<[RegExp, ToolErrorKind]> = [
  [/^Catalog Error/, 'not_found'],
  [/^Permission Error/, 'forbidden'],
  [/^(Parser|Binder|Conversion|Invalid Input|Out of Range|Constraint|Not implemented|Syntax) Error/, 'invalid_arguments'],
  [/^Out of Memory Error/, 'too_large'],
  [/^INTERRUPT Error/, 'cancelled'],
];

export function kindOfDuckDbError(message: string): ToolErrorKind {
  return KIND_BY_DUCKDB_CLASS.find(([pattern]) => pattern.test(message))?.[1] ?? 'upstream';
}

/** Kinds that describe the caller's request, not a failure of the server or what it depends on. */
const USER_KINDS: ReadonlySet<ToolErrorKind> = new Set([
  'invalid_arguments',
  'not_found',
  'forbidden',
  'cancelled',
  'rate_limited',
  'too_large',
]);

/**
 * `user` for a mistake the caller can fix (logged at warn without a stack, not counted by the
 * error-rate alerts), `server` for everything an operator may have to look at.
 */
export type ErrorClass = 'user' | 'server';

export function errorClassOf(kind: ToolErrorKind): ErrorClass {
  return USER_KINDS.has(kind) ? 'user' : 'server';
}
