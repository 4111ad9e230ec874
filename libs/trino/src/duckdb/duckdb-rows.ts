import type { DuckDBResult } from '@duckdb/node-api';
import type { CellValue, ResultColumn } from '../engine/query-engine.js';
import { trinoTypeName, trinoValue } from './duckdb-values.js';

export interface RowBudget {
  maxRows: number;
  /** Bound on the rows' JSON encoding (UTF-8 bytes, one `,` between rows counted). */
  maxBytes: number;
}

export interface ReadRows {
  columns: ResultColumn[];
  rows: CellValue[][];
  truncated: boolean;
  truncatedBy?: 'rows' | 'bytes';
}

/**
 * Reads a streaming result row by row until it ends or a budget is reached. Rows are converted
 * one at a time straight from the chunk's vectors (not `chunk.getRows()`, which would turn a whole
 * 2048-row chunk into JS values first), and each converted row is measured as the JSON the caller
 * will receive, so a result of wide rows stops at `maxBytes` instead of filling the heap.
 * The caller stops the query (closes the connection) when this returns with `truncated`.
 */
export async function readRows(result: DuckDBResult, budget: RowBudget, onChunk: (rowsReceived: number) => void): Promise<ReadRows> {
  const types = result.columnTypes();
  const columns = result.columnNames().map((name, i) => ({ name, type: trinoTypeName(types[i]) }));
  const rows: CellValue[][] = [];
  // `[` and `]` of the array that will hold the rows.
  let bytes = 2;
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const vectors = types.map((_, column) => chunk.getColumnVector(column));
    let stoppedBy: 'rows' | 'bytes' | undefined;
    for (let index = 0; index < chunk.rowCount && !stoppedBy; index += 1) {
      if (rows.length === budget.maxRows) {
        stoppedBy = 'rows';
        break;
      }
      const row = vectors.map((vector, column) => trinoValue(vector.getItem(index), types[column]));
      const rowBytes = Buffer.byteLength(JSON.stringify(row)) + (rows.length > 0 ? 1 : 0);
      if (bytes + rowBytes > budget.maxBytes) stoppedBy = 'bytes';
      else {
        bytes += rowBytes;
        rows.push(row);
      }
    }
    onChunk(rows.length);
    if (stoppedBy) return { columns, rows, truncated: true, truncatedBy: stoppedBy };
  }
  return { columns, rows, truncated: false };
}
