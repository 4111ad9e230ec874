import { isSafeNumber } from 'lossless-json';

/**
 * A JSON string, or an integer literal of 16+ digits outside any string: the only numbers a
 * double may not hold exactly (2^53 has 16 digits). The look-arounds keep fractions and
 * exponents (`1.1234567890123456789`, `1e-1234567890123456`) out.
 */
const STRING_OR_LONG_INTEGER = /"[^"\\]*(?:\\.[^"\\]*)*"|(?<![\d.eE+-])-?\d{16,}(?![\d.eE])/g;

/**
 * Parses a Trino response body without losing bigint precision: `JSON.parse` silently rounds
 * integers beyond 2^53. Such integers stay exact as decimal strings; every other number becomes
 * a JS number. The unsafe integers are quoted in the text and the native parser does the rest:
 * a full JSON parser in JS (lossless-json) blocks the event loop ~175 ms per MB, the native one
 * with this scan ~10 ms.
 */
export function parseTrinoJson(text: string): unknown {
  // Most pages have no 16-digit run at all: then there is nothing to quote.
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  return JSON.parse(text.replace(STRING_OR_LONG_INTEGER, (token) => (token.startsWith('"') || isSafeNumber(token) ? token : `"${token}"`)));
}
