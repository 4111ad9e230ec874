import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * Trino functions DuckDB lacks (or spells with other semantics), as DuckDB macros. They live in
 * their own in-memory catalog so they exist once per database, work when DUCKDB_PATH is opened
 * read-only, and never mix with the caller's tables; the translator calls them fully qualified
 * (DuckDB cannot put an attached catalog on every connection's search path).
 */
export const DIALECT_CATALOG = 'trino_dialect';

/** Macro name → `(parameters) AS body`; the translator maps Trino's function name onto these. */
export const TRINO_MACROS: Record<string, string> = {
  // Trino's element_at is NULL past either end and counts from the end for negative indexes;
  // DuckDB's subscript does the same for lists and looks a key up in a map.
  element_at: '(container, key) AS container[key]',
  // DuckDB's approx_count_distinct errs by 10-15 %; Trino promises 2.3 %. The local data is small, so count exactly.
  approx_distinct: '(value) AS count(DISTINCT value), (value, max_standard_error) AS count(DISTINCT value)',
  // Trino answers NULL when the path selects an object or array; DuckDB's ->> returns its JSON text.
  json_extract_scalar: "(json, path) AS CASE WHEN json_type(json, path) IN ('OBJECT', 'ARRAY') THEN NULL ELSE json ->> path END",
  sequence: '(start, stop) AS generate_series(start, stop), (start, stop, step) AS generate_series(start, stop, step)',
  url_extract_protocol: "(url) AS nullif(regexp_extract(url, '^([A-Za-z][A-Za-z0-9+.-]*):', 1), '')",
  url_extract_host: "(url) AS nullif(regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?(\\[[^\\]]*\\]|[^:/?#]*)', 1), '')",
  url_extract_port: "(url) AS TRY_CAST(nullif(regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?(?:\\[[^\\]]*\\]|[^:/?#]*):([0-9]+)', 1), '') AS BIGINT)",
  url_extract_path: "(url) AS regexp_extract(url, '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?(?://[^/?#]*)?([^?#]*)', 1)",
  url_extract_query: "(url) AS CASE WHEN contains(regexp_extract(url, '^[^#]*'), '?') THEN regexp_extract(url, '\\?([^#]*)', 1) END",
  url_extract_fragment: "(url) AS CASE WHEN contains(url, '#') THEN regexp_extract(url, '#(.*)$', 1) END",
  // The first value of the named parameter, NULL when it is absent (Trino's behaviour).
  url_extract_parameter: "(url, name) AS list_transform(list_filter(string_split(regexp_extract(url, '\\?([^#]*)', 1), '&'), lambda part: split_part(part, '=', 1) = name), lambda part: substr(part, length(name) + 2))[1]",
};

/** Run once when the database opens, before `lock_configuration`; integer division must hold for every connection. */
export const DUCKDB_TRINO_DIALECT_SQL = [
  `ATTACH ':memory:' AS ${DIALECT_CATALOG};`,
  ...Object.entries(TRINO_MACROS).map(([name, definition]) => `CREATE MACRO ${DIALECT_CATALOG}.main.${name}${definition};`),
  // Trino divides integers as integers (7 / 2 = 3, -7 / 2 = -3); DuckDB's default answers 3.5.
  'SET GLOBAL integer_division = true;',
].join('\n');

export async function installTrinoDialect(connection: DuckDBConnection): Promise<void> {
  await connection.run(DUCKDB_TRINO_DIALECT_SQL);
}
