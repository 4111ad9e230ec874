import { type SqlToken, tokenize } from './sql-tokens.js';

/**
 * Models often write DuckDB (or PostgreSQL) spellings the Trino guard refuses. Given the refused
 * SQL, these hints name the Trino spelling so the error message can teach the fix. Hints only:
 * nothing here changes what is run.
 */
const FUNCTION_HINTS: Record<string, string> = {
  generate_series: 'UNNEST(sequence(start, stop)) — sequence includes stop',
  list_transform: 'transform(array, x -> ...)',
  list_filter: 'filter(array, x -> ...)',
  list_contains: 'contains(array, value)',
  list_has: 'contains(array, value)',
  len: 'cardinality(array) (or length(string))',
  array_length: 'cardinality(array)',
  strftime: "format_datetime(ts, 'yyyy-MM-dd') or date_format(ts, '%Y-%m-%d')",
  strptime: "parse_datetime(text, 'yyyy-MM-dd') or date_parse(text, '%Y-%m-%d')",
  epoch: 'to_unixtime(ts)',
  to_timestamp: 'from_unixtime(seconds)',
  regexp_matches: 'regexp_like(text, pattern)',
  string_agg: "listagg(x, ',') WITHIN GROUP (ORDER BY x) or array_join(array_agg(x), ',')",
  today: 'current_date',
  read_csv: 'a table: the local engine cannot read files',
  read_parquet: 'a table: the local engine cannot read files',
  read_json: 'a table: the local engine cannot read files',
};

const LIST_OPENERS = new Set(['(', ',', '=', 'select', 'in', 'then', 'else']);

export function trinoSpellingHints(sql: string): string[] {
  const tokens = tokenize(sql).filter((token) => token.kind !== 'space');
  const hints = new Set<string>();
  tokens.forEach((token, i) => {
    const hint = tokenHint(tokens, i, token);
    if (hint) hints.add(hint);
  });
  return [...hints];
}

/** One sentence for the guard's error message, or undefined when nothing DuckDB-specific was found. */
export function suggestTrinoSpelling(sql: string): string | undefined {
  const hints = trinoSpellingHints(sql);
  return hints.length === 0 ? undefined : `This looks like DuckDB syntax; in Trino write ${hints.join('; ')}.`;
}

function tokenHint(tokens: SqlToken[], i: number, token: SqlToken): string | undefined {
  const next = tokens[i + 1]?.text;
  const previous = tokens[i - 1]?.text;
  if (token.text === ':' && next === ':')
    return `CAST(${tokens[i - 1]?.text ?? 'x'} AS ${tokens[i + 2]?.text ?? 'type'}) instead of ${tokens[i - 1]?.text ?? 'x'}::${tokens[i + 2]?.text ?? 'type'}`;
  if (token.text === '/' && next === '/') return 'a / b (integer operands already divide as integers) instead of a // b';
  // A bracket where no value precedes it opens a list literal (after a value it is a subscript).
  if (token.text === '[' && (previous === undefined || LIST_OPENERS.has(previous.toLowerCase()))) return 'ARRAY[1, 2] instead of [1, 2]';
  if (token.kind !== 'word' || previous === '.') return undefined;
  const word = token.text.toLowerCase();
  if (word === 'range' && next === '(') return rangeHint(tokens, i);
  if (word === 'lambda') return 'x -> expression instead of lambda x: expression';
  if (word === 'exclude' && previous === '*') return 'the column list instead of SELECT * EXCLUDE (...)';
  if (word === 'ilike') return 'lower(a) LIKE lower(b) instead of ILIKE';
  if (word === 'summarize') return 'SHOW STATS FOR table instead of SUMMARIZE';
  if (next === '(' && FUNCTION_HINTS[word]) return `${FUNCTION_HINTS[word]} instead of ${word}(...)`;
  return undefined;
}

/** range(n) and range(a, b) exclude their end; Trino's sequence includes it. */
function rangeHint(tokens: SqlToken[], i: number): string {
  const args: string[] = [];
  let j = i + 2;
  while (tokens[j] && tokens[j].text !== ')' && args.length < 3) {
    if (tokens[j].text !== ',') args.push(tokens[j].text);
    j += 1;
  }
  const closed = tokens[j]?.text === ')';
  const numbers = args.map(Number);
  if (closed && args.length === 1 && Number.isInteger(numbers[0]))
    return `UNNEST(sequence(0, ${numbers[0] - 1})) instead of range(${args[0]})`;
  if (closed && args.length === 2 && numbers.every(Number.isInteger))
    return `UNNEST(sequence(${numbers[0]}, ${numbers[1] - 1})) instead of range(${args.join(', ')})`;
  return 'UNNEST(sequence(start, stop - 1)) instead of range(start, stop)';
}
