import { mysqlToJoda } from './mysql-pattern.js';
import { nextSignificant, previousSignificant, type SqlToken, stringValue, tokenize } from './sql-tokens.js';

/**
 * Rewrites on the Trino text before the transpiler sees it, for what it would translate wrongly:
 * date_format with a literal pattern becomes format_datetime with the equivalent Joda pattern,
 * json_extract_scalar is passed through to its macro,
 * and the `TABLE name` statement becomes the SELECT it abbreviates.
 */
/** Calls renamed with this prefix reach the rewrite pass as written (the transpiler keeps unknown functions). */
export const PASSED_THROUGH_PREFIX = 'trino_';

/** Functions the transpiler translates with the wrong semantics; the rewrite pass maps them to macros. */
const PASS_THROUGH = /^json_extract_scalar$/i;

export function prepareTrinoSql(sql: string): string {
  const table = /^\s*TABLE\s/i.exec(sql);
  // `TABLE name` is shorthand for SELECT * FROM name; the transpiler misreads it as a column.
  if (table) return prepareTrinoSql(`SELECT * FROM ${sql.slice(table[0].length)}`);
  if (!/date_format|json_extract_scalar/i.test(sql)) return sql;
  const tokens = tokenize(sql);
  const out = tokens.map((token) => token.text);
  tokens.forEach((token, i) => {
    if (
      token.kind === 'word' &&
      PASS_THROUGH.test(token.text) &&
      tokens[nextSignificant(tokens, i)]?.text === '(' &&
      previousSignificant(tokens, i)?.text !== '.'
    ) {
      out[i] = PASSED_THROUGH_PREFIX + token.text.toLowerCase();
    }
    const call = dateFormatCall(tokens, i);
    if (!call) return;
    out[i] = 'format_datetime';
    out[call.pattern] = `'${mysqlToJoda(stringValue(tokens[call.pattern]) as string).replaceAll("'", "''")}'`;
  });
  return out.join('');
}

/** The call `date_format(` whose pattern argument is a single literal. */
function dateFormatCall(tokens: SqlToken[], i: number): { pattern: number } | undefined {
  const token = tokens[i];
  if (token.kind !== 'word' || token.text.toLowerCase() !== 'date_format' || previousSignificant(tokens, i)?.text === '.') return undefined;
  const open = nextSignificant(tokens, i);
  if (tokens[open]?.text !== '(') return undefined;
  let depth = 0;
  let comma = -1;
  for (let j = open; j < tokens.length; j += 1) {
    const text = tokens[j].text;
    if (text === '(' || text === '[') depth += 1;
    if (text === ')' || text === ']') depth -= 1;
    if (depth === 1 && text === ',') comma = comma === -1 ? j : -2;
    if (depth === 0) {
      const pattern = nextSignificant(tokens, comma);
      const close = nextSignificant(tokens, pattern);
      return comma >= 0 && stringValue(tokens[pattern]) !== undefined && close === j ? { pattern } : undefined;
    }
  }
  return undefined;
}
