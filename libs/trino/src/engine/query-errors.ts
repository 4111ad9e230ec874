import { ToolError, kindOfTrinoError } from '#tool-contract';

/** Trino's `QueryError`; XDP may also send the message alone. */
export interface TrinoQueryError {
  message?: string;
  errorCode?: number;
  errorName?: string;
  errorType?: string;
  errorLocation?: { lineNumber: number; columnNumber: number };
}

/**
 * A short excerpt of an upstream's error body (an HTML page, a proxy's text). Cut at a token
 * boundary: the scrubber runs later, on the whole tool error, and a secret cut in half would no
 * longer be recognised, so a token straddling the limit is dropped rather than shown in part.
 */
export function upstreamExcerpt(text: string, maxChars = 300): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
  if (clean.length <= maxChars) return clean;
  const cut = clean.slice(0, maxChars + 1);
  return `${cut.slice(0, Math.max(0, cut.lastIndexOf(' '))).trimEnd()}…`;
}

/** Trino's error names are constants like COLUMN_NOT_FOUND; anything else an upstream sent there is not shown. */
const ERROR_NAME = /^[A-Z][A-Z0-9_]{0,99}$/;

/**
 * A failed query as a ToolError: user mistakes are 4xx-like, engine failures `upstream`. The
 * upstream's text is quoted here; the tool registry scrubs every tool error before it leaves.
 */
export function queryFailure(error: TrinoQueryError | string, engine: string): ToolError {
  if (typeof error === 'string') return new ToolError('upstream', `${engine} query failed: ${error}`);
  const location = error.errorLocation;
  const where =
    location && Number.isInteger(location.lineNumber) && Number.isInteger(location.columnNumber)
      ? ` (line ${location.lineNumber}:${location.columnNumber})`
      : '';
  const name = typeof error.errorName === 'string' && ERROR_NAME.test(error.errorName) ? `${error.errorName}: ` : '';
  const message = typeof error.message === 'string' ? error.message : 'unknown error';
  return new ToolError(kindOfTrinoError(error), `${engine} query failed: ${name}${message}${where}`);
}
