import type { QueryResult } from '../engine/query-engine.js';
import { qualifiedName, quoteIdentifier, quoteLiteral } from './sql-quoting.js';

export interface TableName {
  catalog: string;
  schema: string;
  table: string;
}

/** Generated (trusted) SQL for a metadata tool, with an optional reshaping of its result. */
export interface MetadataQuery {
  sql: string;
  reshape?: (result: QueryResult) => QueryResult;
}

/** How an engine answers the metadata tools; results keep Trino's column names (Catalog, Schema, Table, Column, Type…). */
export interface MetadataQueries {
  catalogs(): MetadataQuery;
  schemas(catalog: string): MetadataQuery;
  tables(catalog: string, schema?: string): MetadataQuery;
  columns(table: TableName): MetadataQuery;
}

/** Trino's own statements, for engines that speak to a Trino coordinator (directly or through XDP). */
export const TRINO_METADATA: MetadataQueries = {
  catalogs: () => ({ sql: 'SHOW CATALOGS' }),
  schemas: (catalog) => ({ sql: `SHOW SCHEMAS FROM ${quoteIdentifier(catalog)}` }),
  tables: (catalog, schema) => ({
    sql:
      `SELECT table_schema AS "Schema", table_name AS "Table", table_type AS "Type" FROM ${qualifiedName(catalog, 'information_schema', 'tables')}` +
      (schema === undefined ? " WHERE table_schema <> 'information_schema'" : ` WHERE table_schema = ${quoteLiteral(schema)}`) +
      ' ORDER BY 1, 2',
  }),
  columns: ({ catalog, schema, table }) => ({ sql: `SHOW COLUMNS FROM ${qualifiedName(catalog, schema, table)}` }),
};
