import { suggestTrinoSpelling, trinoSpellingHints } from './duckdb-spelling.js';

describe('Trino spellings for DuckDB-only constructs', () => {
  it.each([
    ['SELECT x FROM range(10) t(x)', 'UNNEST(sequence(0, 9)) instead of range(10)'],
    ['SELECT x FROM range(1, 501) AS r(x)', 'UNNEST(sequence(1, 500)) instead of range(1, 501)'],
    ['SELECT x FROM range(n) t(x)', 'UNNEST(sequence(start, stop - 1)) instead of range(start, stop)'],
    ['SELECT x::int FROM t', 'CAST(x AS int) instead of x::int'],
    ['SELECT 7 // 2', 'a / b (integer operands already divide as integers) instead of a // b'],
    ['SELECT [1, 2, 3]', 'ARRAY[1, 2] instead of [1, 2]'],
    ["SELECT strftime(ts, '%Y') FROM t", "format_datetime(ts, 'yyyy-MM-dd') or date_format(ts, '%Y-%m-%d') instead of strftime(...)"],
    ['SELECT list_transform(a, lambda x: x + 1) FROM t', 'transform(array, x -> ...) instead of list_transform(...)'],
    ['SELECT * EXCLUDE (a) FROM t', 'the column list instead of SELECT * EXCLUDE (...)'],
    ["SELECT * FROM read_csv('/etc/passwd')", 'a table: the local engine cannot read files instead of read_csv(...)'],
  ])('%j → %j', (sql, hint) => {
    expect(trinoSpellingHints(sql)).toContain(hint);
  });

  it('names lambda syntax alongside the function', () => {
    expect(trinoSpellingHints('SELECT list_transform(a, lambda x: x + 1) FROM t')).toContain(
      'x -> expression instead of lambda x: expression',
    );
  });

  it('does not flag Trino spellings, subscripts, or text inside literals and quoted names', () => {
    expect(
      suggestTrinoSpelling('SELECT CAST(x AS integer), ARRAY[1][1], a[2], \'range(10) x::int\', "len"(1) FROM UNNEST(sequence(0, 9)) t(x)'),
    ).toBeUndefined();
  });

  it('says it in one sentence for the guard message', () => {
    expect(suggestTrinoSpelling('SELECT x::int FROM range(3) t(x)')).toBe(
      'This looks like DuckDB syntax; in Trino write CAST(x AS int) instead of x::int; UNNEST(sequence(0, 2)) instead of range(3).',
    );
  });
});
