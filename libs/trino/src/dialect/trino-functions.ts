import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * Trino functions DuckDB lacks (or spells with other semantics), written as DuckDB expressions
 * over their parameters. The translator expands a call in place, exactly as a DuckDB macro would
 * be expanded, instead of creating macros: a macro needs a writable catalog (a DUCKDB_PATH file is
 * opened read-only) or a per-connection TEMP copy (about 5 ms per query), and an extra catalog
 * would show up in SHOW CATALOGS.
 */
export interface TrinoFunctionExpansion {
  parameters: string[];
  body: string;
}

const URL_AUTHORITY = '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?';

export const TRINO_FUNCTIONS: Record<string, TrinoFunctionExpansion[]> = {
  // Trino's element_at is NULL past either end and counts from the end for negative indexes;
  // DuckDB's subscript does the same for lists and looks a key up in a map.
  element_at: [{ parameters: ['container', 'key'], body: 'container[key]' }],
  // DuckDB's approx_count_distinct errs by 10-15 %; Trino promises 2.3 %. The local data is small, so count exactly.
  approx_distinct: [
    { parameters: ['value'], body: 'count(DISTINCT value)' },
    { parameters: ['value', 'max_standard_error'], body: 'count(DISTINCT value)' },
  ],
  // Trino answers NULL when the path selects an object or array; DuckDB's ->> returns its JSON text.
  json_extract_scalar: [
    { parameters: ['doc', 'path'], body: "CASE WHEN json_type(doc, path) IN ('OBJECT', 'ARRAY') THEN NULL ELSE doc ->> path END" },
  ],
  // Seconds since the epoch as a timestamp with time zone, like Trino's (DuckDB has no from_unixtime).
  from_unixtime: [{ parameters: ['seconds'], body: 'to_timestamp(seconds)' }],
  sequence: [
    { parameters: ['start', 'stop'], body: 'generate_series(start, stop)' },
    { parameters: ['start', 'stop', 'step'], body: 'generate_series(start, stop, step)' },
  ],
  url_extract_protocol: [{ parameters: ['url'], body: "nullif(regexp_extract(url, '^([A-Za-z][A-Za-z0-9+.-]*):', 1), '')" }],
  url_extract_host: [{ parameters: ['url'], body: `nullif(regexp_extract(url, '${URL_AUTHORITY}(\\[[^\\]]*\\]|[^:/?#]*)', 1), '')` }],
  url_extract_port: [
    {
      parameters: ['url'],
      body: `TRY_CAST(nullif(regexp_extract(url, '${URL_AUTHORITY}(?:\\[[^\\]]*\\]|[^:/?#]*):([0-9]+)', 1), '') AS BIGINT)`,
    },
  ],
  url_extract_path: [{ parameters: ['url'], body: "regexp_extract(url, '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?(?://[^/?#]*)?([^?#]*)', 1)" }],
  url_extract_query: [
    { parameters: ['url'], body: "CASE WHEN contains(regexp_extract(url, '^[^#]*'), '?') THEN regexp_extract(url, '\\?([^#]*)', 1) END" },
  ],
  url_extract_fragment: [{ parameters: ['url'], body: "CASE WHEN contains(url, '#') THEN regexp_extract(url, '#(.*)$', 1) END" }],
  // The first value of the named parameter, NULL when it is absent (Trino's behaviour).
  url_extract_parameter: [
    {
      parameters: ['url', 'name'],
      body: "list_transform(list_filter(string_split(regexp_extract(url, '\\?([^#]*)', 1), '&'), lambda part: split_part(part, '=', 1) = name), lambda part: substr(part, length(name) + 2))[1]",
    },
  ],
};

/**
 * Run once when the database opens, before `lock_configuration`: Trino divides integers as
 * integers (7 / 2 = 3, -7 / 2 = -3) where DuckDB's default answers 3.5, and the setting must hold
 * for every connection.
 */
export const DUCKDB_TRINO_DIALECT_SQL = 'SET GLOBAL integer_division = true;';

export async function installTrinoDialect(connection: DuckDBConnection): Promise<void> {
  await connection.run(DUCKDB_TRINO_DIALECT_SQL);
}
