export { TranslationError, translateTrinoToDuckDb, warmUpTrinoTranslator } from './trino-to-duckdb.translator.js';
export { TrinoTranslator, type TrinoTranslatorOptions } from './trino-translator.js';
export { DUCKDB_TRINO_DIALECT_SQL, installTrinoDialect } from './trino-functions.js';
export { suggestTrinoSpelling, trinoSpellingHints } from './duckdb-spelling.js';
export { showCreateTableQuery } from './show-create-table.js';
