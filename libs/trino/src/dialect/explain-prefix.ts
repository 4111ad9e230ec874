import { tokenize } from './sql-tokens.js';

/**
 * The transpiler turns Trino's EXPLAIN into DuckDB's DESCRIBE (which lists result columns, not a
 * plan), so EXPLAIN is split off and the statement under it translated alone. DuckDB has no
 * TYPE/FORMAT options or VERBOSE; they are dropped, ANALYZE is kept.
 */
export function splitExplain(sql: string): { prefix: string; statement: string } {
  const tokens = tokenize(sql);
  let i = skipSpace(tokens, 0);
  if (tokens[i]?.text.toLowerCase() !== 'explain') return { prefix: '', statement: sql };
  i = skipSpace(tokens, i + 1);
  if (tokens[i]?.text === '(' && /^(type|format)$/i.test(tokens[skipSpace(tokens, i + 1)]?.text ?? '')) {
    while (i < tokens.length && tokens[i].text !== ')') i += 1;
    i = skipSpace(tokens, i + 1);
  }
  const analyze = tokens[i]?.text.toLowerCase() === 'analyze';
  if (analyze) i = skipSpace(tokens, i + 1);
  if (tokens[i]?.text.toLowerCase() === 'verbose') i = skipSpace(tokens, i + 1);
  return {
    prefix: analyze ? 'EXPLAIN ANALYZE ' : 'EXPLAIN ',
    statement: tokens
      .slice(i)
      .map((token) => token.text)
      .join(''),
  };
}

function skipSpace(tokens: ReturnType<typeof tokenize>, i: number): number {
  let j = i;
  while (tokens[j]?.kind === 'space') j += 1;
  return j;
}
