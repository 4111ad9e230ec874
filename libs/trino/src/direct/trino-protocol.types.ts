import type { CellValue } from '../engine/query-engine.js';
import type { TrinoQueryError } from '../engine/query-errors.js';

/** The parts of Trino's `QueryResults` the client reads. */
export interface TrinoQueryResults {
  id: string;
  infoUri?: string;
  nextUri?: string;
  columns?: { name: string; type: string }[];
  data?: CellValue[][];
  stats?: {
    state?: string;
    processedRows?: number;
    processedBytes?: number;
    elapsedTimeMillis?: number;
    progressPercentage?: number;
  };
  error?: TrinoQueryError;
}

export function isQueryResults(body: unknown): body is TrinoQueryResults {
  return typeof body === 'object' && body !== null && typeof (body as { id?: unknown }).id === 'string';
}
