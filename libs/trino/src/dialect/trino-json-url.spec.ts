import { TrinoOnDuckDb } from './trino-dialect.testing.js';

// Expected values are Trino's, as its documentation states them (JSON and URL functions).
let db: TrinoOnDuckDb;
beforeAll(async () => (db = await TrinoOnDuckDb.open()), 60_000);
afterAll(() => db.close());

const URL = 'https://user@www.example.com:8080/shop/cart?item=42&q=a%20b&item=7#top';

describe('Trino JSON functions on DuckDB', () => {
  it('json_extract_scalar returns the scalar as varchar, NULL for objects', async () => {
    expect(
      await db.row(
        `SELECT json_extract_scalar('{"a":{"b":"x"}}', '$.a.b'), json_extract_scalar('[1, 2]', '$[1]'), json_extract_scalar('{"a":{"b":1}}', '$.a')`,
      ),
    ).toEqual(['x', '2', null]);
  });

  it('json_extract returns JSON; json_array_length counts elements', async () => {
    expect(await db.row(`SELECT CAST(json_extract('{"a":{"b":"x"}}', '$.a') AS varchar), json_array_length('[1, 2, 3]')`)).toEqual([
      '{"b":"x"}',
      '3',
    ]);
  });

  it('json_parse then json_format round-trips compactly', async () => {
    expect(await db.row(`SELECT json_format(json_parse('{"a": [1, 2]}'))`)).toEqual(['{"a":[1,2]}']);
  });
});

describe('Trino URL functions on DuckDB', () => {
  it('extracts protocol, host, port, path, query and fragment', async () => {
    expect(
      await db.row(
        `SELECT url_extract_protocol('${URL}'), url_extract_host('${URL}'), url_extract_port('${URL}'), url_extract_path('${URL}'), url_extract_query('${URL}'), url_extract_fragment('${URL}')`,
      ),
    ).toEqual(['https', 'www.example.com', '8080', '/shop/cart', 'item=42&q=a%20b&item=7', 'top']);
  });

  it('url_extract_parameter returns the first value, NULL when absent', async () => {
    expect(
      await db.row(
        `SELECT url_extract_parameter('${URL}', 'item'), url_extract_parameter('${URL}', 'missing'), url_extract_parameter('http://h/p?flag=', 'flag')`,
      ),
    ).toEqual(['42', null, '']);
  });

  it('answers NULL (not an empty string) for parts a URL lacks', async () => {
    expect(
      await db.row("SELECT url_extract_port('http://h/p'), url_extract_query('http://h/p'), url_extract_fragment('http://h/p')"),
    ).toEqual([null, null, null]);
  });
});
