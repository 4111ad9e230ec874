/** The lexer facts re-emission needs: a token's kind, text and where it started. */
export interface SqlToken {
  type: number;
  text: string;
  line: number;
  /** 0-based, in code points. */
  column: number;
}

/** Token types of Trino's lexer whose text needs more than copying. */
export interface CanonicalTokenTypes {
  STRING: number;
  UNICODE_STRING: number;
  BINARY_LITERAL: number;
  QUOTED_IDENTIFIER: number;
  BACKQUOTED_IDENTIFIER: number;
  DIGIT_IDENTIFIER: number;
  UNRECOGNIZED: number;
  KW_UESCAPE: number;
}

/** A token that has no form both engines lex the same way; the statement is refused. */
export class NotReEmittableError extends Error {
  constructor(message: string, token: SqlToken) {
    super(`${message} (line ${token.line}:${token.column + 1})`);
    this.name = 'NotReEmittableError';
  }
}

/**
 * The text an engine receives, generated from the guard's own tokens (never the caller's raw
 * text), so an engine whose lexer differs from Trino's cannot read a different statement out of
 * it. Comments are dropped. Every token is separated from the next by whitespace, so no two tokens
 * can glue into one (`E` + `'\''` into a DuckDB escape string, `-` + `-` into a comment, `$` + `$`
 * into a dollar-quote); only brackets, commas and a dot between names may touch their neighbour,
 * and only where the caller's text had them touching. Strings and quoted identifiers are re-quoted
 * in the one form both engines read alike. Line numbers are kept (and columns, whenever a token's canonical form is as long as
 * its source), so engine error positions still point into the caller's statement.
 */
export function canonicalSql(tokens: readonly SqlToken[], types: CanonicalTokenTypes): string {
  let out = '';
  let line = 1;
  let column = 0;
  let previous = '';
  tokens.forEach((token, index) => {
    const text = canonicalToken(token, tokens[index + 1], types).text;
    if (token.line > line) {
      out += '\n'.repeat(token.line - line);
      line = token.line;
      column = 0;
    }
    const separated = out.length === 0 || out.endsWith('\n') || mayTouch(previous, text);
    const pad = Math.max(token.column - column, separated ? 0 : 1);
    previous = text;
    out += ' '.repeat(pad) + text;
    const newlines = text.split('\n');
    if (newlines.length > 1) {
      line += newlines.length - 1;
      column = codePoints(newlines.at(-1) ?? '');
    } else {
      column += pad + codePoints(text);
    }
  });
  return out;
}

/** A token's canonical text and the type it lexes as (a Unicode string becomes a plain string). */
export function canonicalToken(token: SqlToken, next: SqlToken | undefined, types: CanonicalTokenTypes): { type: number; text: string } {
  switch (token.type) {
    case types.STRING:
      return { type: types.STRING, text: quote(unquote(token.text, "'"), "'") };
    case types.UNICODE_STRING:
      if (next?.type === types.KW_UESCAPE)
        throw new NotReEmittableError('UESCAPE is not supported; write the characters directly or with the default \\ escape', token);
      return { type: types.STRING, text: quote(decodeUnicodeEscapes(unquote(token.text.slice(2), "'"), token), "'") };
    case types.BINARY_LITERAL:
      return { type: types.BINARY_LITERAL, text: `X'${token.text.slice(2, -1).replace(/\s+/g, '').toUpperCase()}'` };
    case types.QUOTED_IDENTIFIER:
      return { type: types.QUOTED_IDENTIFIER, text: quote(unquote(token.text, '"'), '"') };
    case types.BACKQUOTED_IDENTIFIER:
      throw new NotReEmittableError('Backquoted identifiers are not Trino SQL; quote identifiers with double quotes', token);
    case types.DIGIT_IDENTIFIER:
      throw new NotReEmittableError(`Identifier "${token.text}" starts with a digit; quote it with double quotes`, token);
    case types.UNRECOGNIZED:
      throw new NotReEmittableError(`Unexpected character "${token.text}"`, token);
    default:
      return { type: token.type, text: token.text };
  }
}

const PUNCTUATION = new Set(['(', ')', ',', '[', ']']);
const NAME_START = /^[A-Za-z_"*]/;
const NAME_END = /[A-Za-z_"]$/;

/** Pairs no lexer reads as one token or as the start of a comment, string or parameter. */
function mayTouch(left: string, right: string): boolean {
  if (PUNCTUATION.has(left) || PUNCTUATION.has(right)) return true;
  return (left === '.' && NAME_START.test(right)) || (right === '.' && NAME_END.test(left));
}

function unquote(text: string, quoteChar: string): string {
  return text.slice(1, -1).replaceAll(quoteChar + quoteChar, quoteChar);
}

function quote(value: string, quoteChar: string): string {
  return quoteChar + value.replaceAll(quoteChar, quoteChar + quoteChar) + quoteChar;
}

/** Trino's `U&'…'` escapes: `\XXXX`, `\+XXXXXX` and `\\`. */
function decodeUnicodeEscapes(value: string, token: SqlToken): string {
  return value.replace(/\\(\\|[0-9A-Fa-f]{4}|\+[0-9A-Fa-f]{6}|.?)/gs, (escape, body: string) => {
    if (body === '\\') return '\\';
    const hex = body.startsWith('+') ? body.slice(1) : body;
    const codePoint = /^[0-9A-Fa-f]{4,6}$/.test(hex) ? Number.parseInt(hex, 16) : Number.NaN;
    if (Number.isNaN(codePoint) || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) {
      throw new NotReEmittableError(`Invalid Unicode escape "${escape}"`, token);
    }
    return String.fromCodePoint(codePoint);
  });
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}
