export { translateTrinoToDuckDb, warmUpTrinoTranslator } from './trino-to-duckdb.translator.js';
export { DIALECT_CATALOG, DUCKDB_TRINO_DIALECT_SQL, installTrinoDialect } from './trino-macros.sql.js';
export { suggestTrinoSpelling, trinoSpellingHints } from './duckdb-spelling.js';
export { showCreateTableQuery } from './show-create-table.js';
