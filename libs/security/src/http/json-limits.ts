/** Deeper JSON is refused on every entrance: recursive validators and serializers would overflow the stack. */
export const MAX_JSON_DEPTH = 64;
/**
 * More values (object members plus array items) in one message or body are refused on every
 * entrance: no request needs them, and parsing and schema-checking 60,000 argument keys blocked
 * the event loop for seconds.
 */
export const MAX_JSON_VALUES = 20_000;

export type JsonLimit = 'depth' | 'values';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const COLON = 0x3a;
const COMMA = 0x2c;

/**
 * Which limit raw JSON text breaks, if any, decided in one pass over the bytes before anything
 * parses them (1 MB of brackets costs JSON.parse a quarter second; recursive consumers their
 * stack). Works on UTF-8 bytes (multi-byte sequences never contain ASCII), ignores brackets and
 * separators inside strings, and does not validate the JSON.
 */
export function jsonLimitExceeded(bytes: Uint8Array, maxDepth = MAX_JSON_DEPTH, maxValues = MAX_JSON_VALUES): JsonLimit | undefined {
  // Whether each open container is an array, by depth (only up to maxDepth + 1 are ever open).
  const isArray = new Uint8Array(maxDepth + 2);
  let depth = 0;
  let values = 0;
  let inString = false;
  let arrayJustOpened = false;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index];
    if (inString) {
      if (byte === BACKSLASH) index++;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    if (byte <= 0x20) continue;
    // The first item of an array has no comma before it.
    if (arrayJustOpened && byte !== CLOSE_BRACKET) values++;
    arrayJustOpened = false;
    if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      if (++depth > maxDepth) return 'depth';
      isArray[depth] = byte === OPEN_BRACKET ? 1 : 0;
      arrayJustOpened = byte === OPEN_BRACKET;
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) depth--;
    else if (byte === COLON || (byte === COMMA && isArray[depth] === 1)) values++;
    if (values > maxValues) return 'values';
  }
  return undefined;
}

/** The JSON-RPC-style message for a broken limit, naming it. */
export function jsonLimitMessage(limit: JsonLimit): string {
  return limit === 'depth'
    ? `Invalid Request: JSON nested deeper than ${MAX_JSON_DEPTH} levels`
    : `Invalid Request: JSON holds more than ${MAX_JSON_VALUES} values (object members and array items)`;
}

const MINUS = 0x2d;
const NUMBER_CHAR = /[0-9eE+\-.]/;

/**
 * The `id` member of a top-level JSON object, read from raw bytes without parsing the rest: lets a
 * message refused for its shape still be answered with the id its sender will match. Undefined
 * when the text is not an object, has no usable (string or number) id, or is not well formed there.
 */
export function topLevelId(bytes: Uint8Array): string | number | undefined {
  let depth = 0;
  let inString = false;
  let stringStart = -1;
  let lastKey: string | undefined;
  let idValueNext = false;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index];
    if (inString) {
      if (byte === BACKSLASH) index++;
      else if (byte === QUOTE) {
        inString = false;
        if (stringStart < 0) continue;
        const text = Buffer.from(bytes.subarray(stringStart, index + 1)).toString('utf8');
        if (idValueNext) return parseOrUndefined(text) as string | undefined;
        lastKey = text;
      }
      continue;
    }
    if (byte <= 0x20) continue;
    if (depth === 0 && byte !== OPEN_BRACE) return undefined;
    if (idValueNext) {
      if (byte === QUOTE) {
        inString = true;
        stringStart = index;
        continue;
      }
      if (byte !== MINUS && (byte < 0x30 || byte > 0x39)) return undefined;
      let end = index;
      while (end < bytes.length && NUMBER_CHAR.test(String.fromCharCode(bytes[end]))) end++;
      const value = Number(Buffer.from(bytes.subarray(index, end)).toString('latin1'));
      return Number.isFinite(value) ? value : undefined;
    }
    if (byte === QUOTE) {
      inString = true;
      stringStart = depth === 1 ? index : -1;
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) depth++;
    else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      if (--depth === 0) return undefined;
    } else if (byte === COLON && depth === 1) idValueNext = lastKey === '"id"';
    else if (byte === COMMA && depth === 1) lastKey = undefined;
  }
  return undefined;
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
