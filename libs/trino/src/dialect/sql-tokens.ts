/**
 * A small lexer for the DuckDB SQL the transpiler emits. It only needs to tell code from string
 * literals and quoted identifiers, so a rewrite never touches text inside a literal: a rename of
 * `dow(` must not change the string `'dow('`. Joining the tokens' text gives back the input exactly.
 */
export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'space' | 'symbol';

export interface SqlToken {
  kind: TokenKind;
  text: string;
}

const PATTERNS: Array<[TokenKind, RegExp]> = [
  ['space', /\s+/y],
  // E'..' and '..' literals; a doubled quote stays inside, a backslash escapes only in E'..'.
  ['string', /[eE]'(?:[^'\\]|\\.|'')*'|'(?:[^']|'')*'/y],
  ['quoted', /"(?:[^"]|"")*"/y],
  ['word', /[A-Za-z_][A-Za-z0-9_$]*/y],
  ['number', /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y],
];

export function tokenize(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let position = 0;
  while (position < sql.length) {
    const token = nextToken(sql, position);
    tokens.push(token);
    position += token.text.length;
  }
  return tokens;
}

function nextToken(sql: string, position: number): SqlToken {
  for (const [kind, pattern] of PATTERNS) {
    pattern.lastIndex = position;
    const match = pattern.exec(sql);
    if (match) return { kind, text: match[0] };
  }
  // An unterminated literal or identifier: keep the rest as one symbol so nothing after it is rewritten.
  if (sql[position] === "'" || sql[position] === '"') return { kind: 'symbol', text: sql.slice(position) };
  return { kind: 'symbol', text: sql[position] };
}

/** The identifier's value: unquoted words fold to lower case, quoted ones keep their spelling. */
export function identifierValue(token: SqlToken): string | undefined {
  if (token.kind === 'word') return token.text.toLowerCase();
  if (token.kind === 'quoted') return token.text.slice(1, -1).replaceAll('""', '"');
  return undefined;
}

/** The value of a plain '..' literal, or undefined for anything else. */
export function stringValue(token: SqlToken): string | undefined {
  if (token.kind !== 'string' || !token.text.startsWith("'")) return undefined;
  return token.text.slice(1, -1).replaceAll("''", "'");
}

/** Index of the first token after `i` that is not white space (past the end when there is none). */
export function nextSignificant(tokens: readonly SqlToken[], i: number): number {
  let j = i + 1;
  while (tokens[j]?.kind === 'space') j += 1;
  return j;
}

/** The nearest token before `i` that is not white space. */
export function previousSignificant(tokens: readonly SqlToken[], i: number): SqlToken | undefined {
  let j = i - 1;
  while (tokens[j]?.kind === 'space') j -= 1;
  return tokens[j];
}
