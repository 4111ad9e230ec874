import type { CellValue, QueryResult } from '../engine/query-engine.js';

/** The structuredContent of every Trino tool. */
export interface QueryResultContent {
  [key: string]: unknown;
  dataplane: string;
  columns: { name: string; type: string }[];
  rows: CellValue[][];
  rowCount: number;
  truncated: boolean;
  queryId: string;
  elapsedMs: number;
}

const MAX_CELL_CHARS = 200;
/** Room kept for the closing note so it always fits. */
const NOTE_RESERVE_BYTES = 400;

export function toContent(dataplane: string, result: QueryResult): QueryResultContent {
  return {
    dataplane,
    columns: result.columns,
    rows: result.rows,
    rowCount: result.rows.length,
    truncated: result.truncated,
    queryId: result.queryId,
    elapsedMs: result.stats.elapsedMs,
  };
}

/**
 * A compact pipe-separated table (header, one line per row) that never exceeds `budgetBytes`
 * (UTF-8). When rows or cells are cut, a closing note says so explicitly, as it does when the
 * row cap stopped the query.
 */
export function renderResultText(content: QueryResultContent, budgetBytes: number, maxRows: number): string {
  const lines = [content.columns.map((column) => `${column.name} (${column.type})`).join(' | ')];
  let used = byteLength(lines[0]) + 1;
  let shown = 0;
  const limit = Math.max(budgetBytes - NOTE_RESERVE_BYTES, 0);
  for (const row of content.rows) {
    const line = row.map(renderCell).join(' | ');
    const size = byteLength(line) + 1;
    if (used + size > limit) break;
    lines.push(line);
    used += size;
    shown += 1;
  }
  const notes = [`${content.rowCount} row(s) · query ${content.queryId} on dataplane "${content.dataplane}" · ${content.elapsedMs} ms`];
  if (shown < content.rowCount) {
    notes.push(`Text truncated: ${shown} of ${content.rowCount} rows shown to stay within ${budgetBytes} bytes; all ${content.rowCount} rows are in structuredContent.`);
  }
  if (content.truncated) {
    notes.push(`Result truncated at maxRows=${maxRows}: the query has more rows. Add a LIMIT/aggregation or raise maxRows (up to 10000).`);
  }
  const text = `${lines.join('\n')}\n${notes.join('\n')}`;
  return byteLength(text) <= budgetBytes ? text : truncateBytes(text, budgetBytes);
}

function renderCell(value: CellValue): string {
  const text = value === null ? 'NULL' : typeof value === 'string' ? value : JSON.stringify(value);
  const flat = text.replace(/[\r\n\t]+/g, ' ');
  return flat.length > MAX_CELL_CHARS ? `${flat.slice(0, MAX_CELL_CHARS - 1)}…` : flat;
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Last resort for pathological headers (thousands of columns): cut on a character boundary. */
function truncateBytes(text: string, budgetBytes: number): string {
  const note = '\n[text truncated to the result size budget]';
  const keep = Buffer.from(text, 'utf8').subarray(0, Math.max(budgetBytes - byteLength(note), 0)).toString('utf8').replace(/\uFFFD$/, '');
  return keep + note;
}
