import { jodaToStrftime } from './joda-pattern.js';
import { identifierValue, nextSignificant, previousSignificant, type SqlToken, stringValue, tokenize } from './sql-tokens.js';
import { TRINO_FUNCTIONS, type TrinoFunctionExpansion } from './trino-functions.js';
import { PASSED_THROUGH_PREFIX } from './trino-prepass.js';

/**
 * The second half of translation: the transpiler keeps some Trino function names that DuckDB does
 * not have (or has with other semantics). This pass renames those calls and rewrites
 * `catalog.information_schema.x`, over tokens, so text inside literals is never touched and the
 * statement structure (and statement count) cannot change.
 */
const RENAMES: Record<string, string> = {
  transform: 'list_transform',
  array_join: 'array_to_string',
  json_parse: 'json',
  // Trino's dow/day_of_week is ISO (Monday = 1 … Sunday = 7); DuckDB's dow counts Sunday as 0.
  dow: 'isodow',
  doy: 'dayofyear',
  approx_percentile: 'approx_quantile',
  // Trino counts whole units elapsed (23:00 → 01:00 next day is 0 days); DuckDB's date_diff counts boundaries, date_sub whole units.
  date_diff: 'date_sub',
};

/** DuckDB output names (as the transpiler leaves them) → the expansion with Trino's semantics. */
const EXPANSIONS: Record<string, TrinoFunctionExpansion[]> = {
  ...TRINO_FUNCTIONS,
  approx_count_distinct: TRINO_FUNCTIONS.approx_distinct,
  [`${PASSED_THROUGH_PREFIX}json_extract_scalar`]: TRINO_FUNCTIONS.json_extract_scalar,
};

/** Trino's information_schema tables are per catalog; DuckDB has one, with the catalog in a column. */
const CATALOG_COLUMN: Record<string, string> = { schemata: 'catalog_name' };

/** Words that can follow a table reference without being its alias. */
const NOT_AN_ALIAS = new Set([
  'where',
  'group',
  'order',
  'limit',
  'offset',
  'fetch',
  'having',
  'window',
  'qualify',
  'join',
  'left',
  'right',
  'inner',
  'full',
  'cross',
  'natural',
  'positional',
  'asof',
  'anti',
  'semi',
  'on',
  'using',
  'union',
  'except',
  'intersect',
  'tablesample',
  'for',
]);

export function rewriteForDuckDb(sql: string): string {
  const tokens = tokenize(sql);
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i += 1) {
    const call = functionCall(tokens, i);
    if (call === 'format_datetime') {
      const rewritten = rewriteFormatDatetime(tokens, i);
      out.push(rewritten.text);
      i = rewritten.end;
      continue;
    }
    const expanded = call && EXPANSIONS[call] ? expandCall(tokens, i, EXPANSIONS[call]) : undefined;
    if (expanded) {
      out.push(expanded.text);
      i = expanded.end;
      continue;
    }
    if (call && RENAMES[call]) {
      out.push(RENAMES[call]);
      continue;
    }
    const schemaTable = informationSchemaTable(tokens, i);
    if (schemaTable) {
      out.push(schemaTable.text);
      i = schemaTable.end;
      continue;
    }
    out.push(tokens[i].text);
  }
  return out.join('');
}

/** The lower-cased name when tokens[i] is an unqualified word called as a function. */
function functionCall(tokens: SqlToken[], i: number): string | undefined {
  if (tokens[i].kind !== 'word' || previousSignificant(tokens, i)?.text === '.') return undefined;
  return tokens[nextSignificant(tokens, i)]?.text === '(' ? tokens[i].text.toLowerCase() : undefined;
}

/** format_datetime(value, 'pattern') → strftime(value, 'converted'); a non-literal pattern is left for DuckDB to refuse. */
function rewriteFormatDatetime(tokens: SqlToken[], start: number): { text: string; end: number } {
  const open = nextSignificant(tokens, start);
  const close = matchingParen(tokens, open);
  const args = splitArguments(tokens, open + 1, close);
  const pattern = args.length === 2 ? singleString(args[1]) : undefined;
  if (close < 0 || pattern === undefined) return { text: tokens[start].text, end: start };
  const value = rewriteForDuckDb(args[0].map((token) => token.text).join(''));
  const format = jodaToStrftime(pattern).replaceAll("'", "''");
  return { text: `strftime(${value}, '${format}')`, end: close };
}

/**
 * name(a, b) → (body with each parameter replaced by its parenthesised, already rewritten argument),
 * as DuckDB expands a macro. Arguments are whole, balanced token runs, so they cannot change the
 * statement's structure. A call with an argument count no expansion takes is left for DuckDB to refuse.
 */
function expandCall(tokens: SqlToken[], start: number, expansions: TrinoFunctionExpansion[]): { text: string; end: number } | undefined {
  const open = nextSignificant(tokens, start);
  const close = matchingParen(tokens, open);
  if (close < 0) return undefined;
  const args = splitArguments(tokens, open + 1, close).map((arg) =>
    arg
      .map((token) => token.text)
      .join('')
      .trim(),
  );
  const expansion = expansions.find((candidate) => candidate.parameters.length === args.length && args.every((arg) => arg !== ''));
  if (!expansion) return undefined;
  const values = new Map(expansion.parameters.map((parameter, k) => [parameter, `(${rewriteForDuckDb(args[k])})`]));
  const body = tokenize(expansion.body)
    .map((token) => (token.kind === 'word' && values.get(token.text)) || token.text)
    .join('');
  return { text: `(${body})`, end: close };
}

/** `catalog.information_schema.table` (not itself qualified) → a subquery over DuckDB's information_schema for that catalog. */
function informationSchemaTable(tokens: SqlToken[], i: number): { text: string; end: number } | undefined {
  if (previousSignificant(tokens, i)?.text === '.') return undefined;
  const parts = [i, i + 1, i + 2, i + 3, i + 4];
  if (tokens[parts[1]]?.text !== '.' || tokens[parts[3]]?.text !== '.') return undefined;
  const catalog = identifierValue(tokens[i]);
  const schema = tokens[parts[2]] && identifierValue(tokens[parts[2]]);
  const table = tokens[parts[4]] && identifierValue(tokens[parts[4]]);
  if (catalog === undefined || schema !== 'information_schema' || table === undefined) return undefined;
  const quotedTable = `"${table.replaceAll('"', '""')}"`;
  const filter = `${CATALOG_COLUMN[table] ?? 'table_catalog'} = '${catalog.replaceAll("'", "''")}'`;
  const alias = hasAlias(tokens, i + 4) ? '' : ` AS ${quotedTable}`;
  return { text: `(SELECT * FROM system.information_schema.${quotedTable} WHERE ${filter})${alias}`, end: i + 4 };
}

function hasAlias(tokens: SqlToken[], end: number): boolean {
  const next = tokens[nextSignificant(tokens, end)];
  if (!next) return false;
  if (next.kind === 'quoted') return true;
  return next.kind === 'word' && !NOT_AN_ALIAS.has(next.text.toLowerCase());
}

function matchingParen(tokens: SqlToken[], open: number): number {
  let depth = 0;
  for (let j = open; j < tokens.length; j += 1) {
    if (tokens[j].text === '(') depth += 1;
    if (tokens[j].text === ')' && --depth === 0) return j;
  }
  return -1;
}

/** Top-level arguments between the parentheses (exclusive bounds). */
function splitArguments(tokens: SqlToken[], from: number, to: number): SqlToken[][] {
  const args: SqlToken[][] = [[]];
  let depth = 0;
  for (let j = from; j < to; j += 1) {
    const text = tokens[j].text;
    if (text === '(' || text === '[' || text === '{') depth += 1;
    if (text === ')' || text === ']' || text === '}') depth -= 1;
    if (text === ',' && depth === 0) args.push([]);
    else args[args.length - 1].push(tokens[j]);
  }
  return args;
}

function singleString(arg: SqlToken[]): string | undefined {
  const significant = arg.filter((token) => token.kind !== 'space');
  return significant.length === 1 ? stringValue(significant[0]) : undefined;
}
