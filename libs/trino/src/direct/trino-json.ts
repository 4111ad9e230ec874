import { isInteger, isSafeNumber, parse } from 'lossless-json';

/**
 * Parses a Trino response body without losing bigint precision: `JSON.parse` silently rounds
 * integers beyond 2^53 (trino-protocol.md §5). Such integers stay exact as decimal strings;
 * every other number becomes a JS number.
 */
export function parseTrinoJson(text: string): unknown {
  return parse(text, null, (value: string) => (isInteger(value) && !isSafeNumber(value) ? value : Number(value)));
}
