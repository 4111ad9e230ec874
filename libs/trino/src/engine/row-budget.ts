import type { CellValue } from './query-engine.js';

/** Characters JSON escapes (quote, backslash, controls) or may (surrogates, lone ones become `\udxxx`). */
// eslint-disable-next-line no-control-regex -- the control characters are exactly what JSON escapes
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Bytes of a value's JSON encoding (UTF-8), as it is sent in structuredContent. */
export function jsonBytes(value: unknown): number {
  // A plain string is counted without encoding it: cells can be megabytes.
  if (typeof value === 'string' && !ESCAPED.test(value)) return Buffer.byteLength(value, 'utf8') + 2;
  return Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');
}

/**
 * Fits one row into `availableBytes` of JSON by cutting its largest cells: a string keeps its
 * start and ends with a marker giving its full size; any other value too large (array, map, row)
 * becomes such a marker. Undefined when even that does not fit (many small cells), so the caller
 * stops there instead of silently dropping a row and going on.
 */
export function fitRow(row: CellValue[], availableBytes: number): CellValue[] | undefined {
  return measureFit(row, availableBytes)?.row;
}

/** fitRow, with the JSON size of what it returns (each cell is encoded once: rows can be megabytes). */
function measureFit(row: CellValue[], availableBytes: number): { row: CellValue[]; bytes: number } | undefined {
  const sizes = row.map(jsonBytes);
  // Commas and brackets of the row array.
  let total = sizes.reduce((sum, size) => sum + size, 0) + Math.max(row.length - 1, 0) + 2;
  if (total <= availableBytes) return { row, bytes: total };
  const fitted = [...row];
  const order = sizes.map((size, index) => ({ size, index })).sort((a, b) => b.size - a.size);
  for (const { size, index } of order) {
    const deficit = total - availableBytes;
    if (deficit <= 0) break;
    const cut = cutCell(row[index], size, Math.max(size - deficit, 0));
    if (cut === undefined) continue;
    fitted[index] = cut;
    total += jsonBytes(cut) - size;
  }
  return total <= availableBytes ? { row: fitted, bytes: total } : undefined;
}

/** The marker ending a cut cell; says how large the value was so a caller knows what is missing. */
export function cutMarker(fullBytes: number): string {
  return `…[cut: ${fullBytes} bytes in full]`;
}

const CUT_MARKER = /…\[cut: (\d+) bytes in full\]$/;

/**
 * A shorter stand-in for a cell of `size` JSON bytes, at most `targetBytes`; undefined if none is
 * shorter. A value cut before (by the engine, then again for the answer) keeps its original size.
 */
function cutCell(value: CellValue, size: number, targetBytes: number): string | undefined {
  const earlier = typeof value === 'string' ? CUT_MARKER.exec(value) : null;
  const marker = cutMarker(earlier ? Number(earlier[1]) : size);
  const markerBytes = jsonBytes(marker);
  if (markerBytes >= size) return undefined;
  if (typeof value !== 'string') return marker;
  const room = targetBytes - markerBytes;
  if (room <= 0) return marker;
  const text = earlier ? value.slice(0, earlier.index) : value;
  // Start from the proportional length, then shrink until the JSON-escaped prefix fits.
  let keep = Math.floor((text.length * room) / size);
  for (;;) {
    if (keep > 0 && isHighSurrogate(text.charCodeAt(keep - 1))) keep -= 1;
    const prefix = text.slice(0, keep);
    if (keep === 0 || jsonBytes(prefix) - 2 <= room) return prefix + marker;
    keep = Math.floor(keep * 0.9);
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Collects rows under a row cap and a byte budget (the rows' JSON size). The row that crosses
 * the budget is kept with its largest cells cut if it can be, then collecting stops: an engine
 * holds at most about `maxBytes` of rows however wide they are.
 */
export class RowCollector {
  readonly rows: CellValue[][] = [];
  /** Which bound stopped collecting; undefined while rows still fit. */
  truncatedBy?: 'rows' | 'bytes';
  /** The brackets of the rows array. */
  private bytes = 2;

  constructor(
    private readonly maxRows: number,
    private readonly maxBytes: number,
  ) {}

  get full(): boolean {
    return this.truncatedBy !== undefined;
  }

  /** Adds a row; false (and `truncatedBy` set) when it did not fit and collecting stopped. */
  add(row: CellValue[]): boolean {
    if (this.full) return false;
    if (this.rows.length >= this.maxRows) {
      this.truncatedBy = 'rows';
      return false;
    }
    const separator = this.rows.length === 0 ? 0 : 1;
    const fitted = measureFit(row, this.maxBytes - this.bytes - separator);
    if (fitted !== undefined) {
      this.rows.push(fitted.row);
      this.bytes += fitted.bytes + separator;
      if (fitted.row === row) return true;
    }
    this.truncatedBy = 'bytes';
    return false;
  }
}
