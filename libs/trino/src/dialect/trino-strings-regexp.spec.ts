import { TrinoOnDuckDb } from './trino-dialect.testing.js';

// Expected values are Trino's, as its documentation states them (regular expression functions).
let db: TrinoOnDuckDb;
beforeAll(async () => (db = await TrinoOnDuckDb.open()), 60_000);
afterAll(() => db.close());

describe('Trino regular expression and string functions on DuckDB', () => {
  it('regexp_like matches a substring, like Trino (not the whole string)', async () => {
    expect(await db.row("SELECT regexp_like('1a 2b 14m', '\\d+b'), regexp_like('abc', '^b')")).toEqual([true, false]);
  });

  it('regexp_extract returns the first match or a group, NULL when nothing matches', async () => {
    expect(
      await db.row(
        "SELECT regexp_extract('1a 2b 14m', '\\d+'), regexp_extract('1a 2b 14m', '(\\d+)([a-z]+)', 2), regexp_extract('abc', '\\d+')",
      ),
    ).toEqual(['1', 'a', null]);
  });

  it('regexp_replace replaces every match, and removes matches without a replacement', async () => {
    expect(await db.row("SELECT regexp_replace('1a 2b 14m', '\\d+[ab] '), regexp_replace('1a 2b 14m', '[a-z]', 'x')")).toEqual([
      '14m',
      '1x 2x 14x',
    ]);
  });

  it('regexp_replace takes Java-style $n group references', async () => {
    expect(await db.row("SELECT regexp_replace('1a 2b 14m', '(\\d+)([ab]) ', '3c$2 ')")).toEqual(['3ca 3cb 14m']);
  });

  it('keeps string literals that look like function calls untouched', async () => {
    expect(await db.row("SELECT 'dow(' || 'transform(' AS s, 'date_format(x, ''%i'')', 'memory.information_schema.columns'")).toEqual([
      'dow(transform(',
      "date_format(x, '%i')",
      'memory.information_schema.columns',
    ]);
  });

  it('runs Trino string functions DuckDB shares', async () => {
    expect(
      await db.row("SELECT substr('hello', 2, 3), strpos('hello', 'l'), upper('a') || lower('B'), split_part('a,b,c', ',', 2)"),
    ).toEqual(['ell', '3', 'Ab', 'b']);
  });
});
