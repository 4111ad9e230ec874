import type { CellValue, QueryResult } from '../engine/query-engine.js';
import { jsonBytes, RowCollector } from '../engine/row-budget.js';

/** The structuredContent of every Trino tool. */
export interface QueryResultContent {
  [key: string]: unknown;
  dataplane: string;
  columns: { name: string; type: string }[];
  rows: CellValue[][];
  rowCount: number;
  truncated: boolean;
  /** Which bound cut the rows: the row cap, or the byte budget (rows dropped or cells cut). */
  truncatedBy?: 'rows' | 'bytes';
  queryId: string;
  elapsedMs: number;
}

/** A tool answer: the text and the structuredContent sent beside it. */
export interface BoundedAnswer {
  text: string;
  structuredContent: QueryResultContent;
}

const MAX_CELL_CHARS = 200;
/** Room kept for the closing note so it always fits. */
const NOTE_RESERVE_BYTES = 400;
/** Room kept for what wraps text and structuredContent on the wire (JSON-RPC or REST envelope). */
const ENVELOPE_RESERVE_BYTES = 512;
/** The text never gets less than this share of the budget, however wide the rows. */
const TEXT_SHARE = 0.25;
/** Below this the text is only its notes. */
const MIN_TEXT_BYTES = 256;

export function toContent(dataplane: string, result: QueryResult): QueryResultContent {
  return {
    dataplane,
    columns: result.columns,
    rows: result.rows,
    rowCount: result.rows.length,
    truncated: result.truncated,
    ...(result.truncatedBy ? { truncatedBy: result.truncatedBy } : {}),
    queryId: result.queryId,
    elapsedMs: result.stats.elapsedMs,
  };
}

/**
 * The whole answer (text plus structuredContent, JSON-encoded) within `budgetBytes`: the rows
 * that fit in three quarters of it stay in structuredContent (the row crossing the line with
 * its largest cells cut, marked), the text gets the rest. Whatever was cut is said in both
 * places: `truncated`/`truncatedBy: 'bytes'` and a closing note. Only a column list larger than
 * the budget itself (thousands of columns) is never cut.
 */
export function renderBoundedAnswer(content: QueryResultContent, budgetBytes: number, maxRows: number): BoundedAnswer {
  const textFloor = Math.max(Math.floor(budgetBytes * TEXT_SHARE), MIN_TEXT_BYTES);
  const structuredContent = fitRows(content, budgetBytes - ENVELOPE_RESERVE_BYTES - textFloor);
  const textBudget = Math.max(budgetBytes - ENVELOPE_RESERVE_BYTES - jsonBytes(structuredContent), MIN_TEXT_BYTES);
  return { text: renderResultText(structuredContent, textBudget, maxRows, budgetBytes), structuredContent };
}

/** Keeps the rows whose JSON fits in `budgetBytes` together with the rest of the content. */
export function fitRows(content: QueryResultContent, budgetBytes: number): QueryResultContent {
  // The empty skeleton, with the fields a cut adds and rowCount at its largest.
  const skeleton = jsonBytes({ ...content, rows: [], truncated: true, truncatedBy: 'bytes' });
  const collector = new RowCollector(Number.POSITIVE_INFINITY, budgetBytes - skeleton + 2);
  for (const row of content.rows) if (!collector.add(row)) break;
  if (!collector.full) return content;
  return { ...content, rows: collector.rows, rowCount: collector.rows.length, truncated: true, truncatedBy: 'bytes' };
}

/**
 * A compact pipe-separated table (header, one line per row) whose JSON string encoding never
 * exceeds `budgetBytes` (UTF-8, escapes counted: that is what goes on the wire). When rows or
 * cells are cut, a closing note says so explicitly, as it does when the row cap or the byte
 * budget (`resultBudgetBytes`, RESULT_MAX_BYTES) stopped the query.
 */
export function renderResultText(
  content: QueryResultContent,
  budgetBytes: number,
  maxRows: number,
  resultBudgetBytes = budgetBytes,
): string {
  const lines = [content.columns.map((column) => `${column.name} (${column.type})`).join(' | ')];
  let used = textBytes(lines[0]) + 2;
  let shown = 0;
  const limit = Math.max(budgetBytes - NOTE_RESERVE_BYTES, 0);
  for (const row of content.rows) {
    const line = row.map(renderCell).join(' | ');
    const size = textBytes(line) + 2;
    if (used + size > limit) break;
    lines.push(line);
    used += size;
    shown += 1;
  }
  const notes = [`${content.rowCount} row(s) · query ${content.queryId} on dataplane "${content.dataplane}" · ${content.elapsedMs} ms`];
  if (shown < content.rowCount) {
    notes.push(
      `Text truncated: ${shown} of ${content.rowCount} rows shown to stay within ${budgetBytes} bytes; all ${content.rowCount} rows are in structuredContent.`,
    );
  }
  if (content.truncatedBy === 'bytes') {
    notes.push(
      `Result cut to fit the ${resultBudgetBytes}-byte result budget (RESULT_MAX_BYTES): ${content.rowCount} row(s) kept, the rest not returned; over-long values end in "…[cut: N bytes in full]". Add a LIMIT, select fewer or narrower columns, or aggregate.`,
    );
  } else if (content.truncated) {
    notes.push(`Result truncated at maxRows=${maxRows}: the query has more rows. Add a LIMIT/aggregation or raise maxRows (up to 10000).`);
  }
  const text = `${lines.join('\n')}\n${notes.join('\n')}`;
  return textBytes(text) <= budgetBytes ? text : truncateBytes(text, budgetBytes);
}

/**
 * An EXPLAIN result as plan lines, one row each, in one "Query Plan" column. Trino answers one
 * cell holding the whole multi-line plan, DuckDB rows of (explain_key, explain_value) with a drawn
 * plan in the value: in both the plan is the text of the last column.
 */
export function planLines(result: QueryResult): QueryResult {
  const lines = result.rows.flatMap((row) => String(row.at(-1) ?? '').split(/\r?\n/)).map((line) => line.trimEnd());
  while (lines.at(-1) === '') lines.pop();
  return { ...result, columns: [{ name: 'Query Plan', type: 'varchar' }], rows: lines.map((line) => [line]) };
}

/**
 * A plan answer: the text is the plan itself, line by line and uncut (a table rendering would
 * flatten it and cut each line at 200 characters), and structuredContent holds the same lines as
 * rows; both within `budgetBytes`, with a closing note when lines were left out.
 */
export function renderPlanAnswer(content: QueryResultContent, budgetBytes: number): BoundedAnswer {
  const half = Math.floor((budgetBytes - ENVELOPE_RESERVE_BYTES) / 2);
  const structuredContent = fitRows(content, half);
  const limit = Math.max(half - NOTE_RESERVE_BYTES, 0);
  const lines: string[] = [];
  let used = 0;
  for (const [line] of content.rows) {
    const size = textBytes(String(line)) + 2;
    if (used + size > limit) break;
    lines.push(String(line));
    used += size;
  }
  const notes = [`query ${content.queryId} on dataplane "${content.dataplane}" · ${content.elapsedMs} ms`];
  if (lines.length < content.rows.length)
    notes.push(
      `Plan cut to fit the ${budgetBytes}-byte result budget (RESULT_MAX_BYTES): ${lines.length} of ${content.rows.length} lines shown.`,
    );
  return { text: `${lines.join('\n')}\n${notes.join('\n')}`, structuredContent };
}

function renderCell(value: CellValue): string {
  const text = value === null ? 'NULL' : typeof value === 'string' ? value : JSON.stringify(value);
  const flat = text.slice(0, MAX_CELL_CHARS * 4).replace(/[\r\n\t]+/g, ' ');
  return flat.length > MAX_CELL_CHARS ? `${flat.slice(0, MAX_CELL_CHARS - 1)}…` : flat;
}

/** Bytes of the text inside a JSON string: UTF-8 with quotes, backslashes and control characters escaped. */
function textBytes(text: string): number {
  return jsonBytes(text) - 2;
}

/** Last resort for pathological headers (thousands of columns): cut on a character boundary. */
function truncateBytes(text: string, budgetBytes: number): string {
  const note = '\n[text truncated to the result size budget]';
  let keep = Math.max(budgetBytes - textBytes(note), 0);
  for (;;) {
    const prefix = Buffer.from(text, 'utf8')
      .subarray(0, keep)
      .toString('utf8')
      .replace(/\uFFFD$/, '');
    if (keep === 0 || textBytes(prefix) + textBytes(note) <= budgetBytes) return prefix + note;
    keep = Math.floor(keep * 0.9);
  }
}
