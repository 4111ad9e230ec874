import { isSafeNumber } from 'lossless-json';

/**
 * A JSON string (skipped whole), or a number literal a double may not hold exactly: 16+
 * characters, or with an exponent (overflow, underflow). Separators are outside the number
 * class, so a match never spans two values.
 */
const STRING_OR_RISKY_NUMBER = /"[^"\\]*(?:\\.[^"\\]*)*"|-?\d[\d.eE+-]{15,}|-?\d[\d.]*[eE][+-]?\d+/g;

/**
 * JSON.parse, except numbers a double cannot hold exactly become decimal strings (bigint ids,
 * long decimals). Those numbers are quoted in the text and the native parser does the rest: a
 * JSON parser in JS (lossless-json) blocks the event loop ~175 ms per MB, and an XDP answer may
 * be XDP_MAX_RESPONSE_BYTES long.
 */
export function parseExactJson(text: string): unknown {
  // A risky number has 16+ digits (a dot may sit among them) or an exponent; most answers have neither.
  if (!/[\d.]{16}|\d[eE]/.test(text)) return JSON.parse(text);
  return JSON.parse(text.replace(STRING_OR_RISKY_NUMBER, (token) => (token.startsWith('"') || isSafeNumber(token) ? token : `"${token}"`)));
}
