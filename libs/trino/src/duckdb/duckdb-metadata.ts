import type { MetadataQueries } from '../metadata/metadata-queries.js';
import { qualifiedName, quoteLiteral } from '../metadata/sql-quoting.js';

/** DuckDB's answers to the metadata tools, shaped like Trino's (Catalog, Schema, Table/Type, Column/Type/Extra/Comment). */
export const DUCKDB_METADATA: MetadataQueries = {
  catalogs: () => ({ sql: 'SELECT database_name AS "Catalog" FROM duckdb_databases() WHERE NOT internal ORDER BY 1' }),
  schemas: (catalog) => ({
    sql: `SELECT schema_name AS "Schema" FROM information_schema.schemata WHERE catalog_name = ${quoteLiteral(catalog)} ORDER BY 1`,
  }),
  tables: (catalog, schema) => ({
    sql:
      `SELECT table_schema AS "Schema", table_name AS "Table", table_type AS "Type" FROM information_schema.tables WHERE table_catalog = ${quoteLiteral(catalog)}` +
      (schema === undefined ? '' : ` AND table_schema = ${quoteLiteral(schema)}`) +
      ' ORDER BY 1, 2',
  }),
  // Reading zero rows yields the columns with the same Trino type names as query results.
  columns: ({ catalog, schema, table }) => ({
    sql: `SELECT * FROM ${qualifiedName(catalog, schema, table)} LIMIT 0`,
    reshape: (result) => ({
      ...result,
      columns: ['Column', 'Type', 'Extra', 'Comment'].map((name) => ({ name, type: 'varchar' })),
      rows: result.columns.map((column) => [column.name, column.type, '', '']),
    }),
  }),
};
