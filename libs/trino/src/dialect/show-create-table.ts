import { quoteLiteral } from '../metadata/sql-quoting.js';

/**
 * DuckDB has no SHOW CREATE TABLE; this query answers it the way Trino does: one row, one
 * "Create Table" column holding Trino DDL with Trino type names, built from information_schema.
 */
const TRINO_TYPE = `CASE
    WHEN data_type = 'TIMESTAMP' THEN 'timestamp(6)'
    WHEN data_type = 'TIMESTAMP WITH TIME ZONE' THEN 'timestamp(6) with time zone'
    WHEN data_type = 'FLOAT' THEN 'real'
    WHEN data_type = 'BLOB' THEN 'varbinary'
    ELSE lower(data_type)
  END`;

export function showCreateTableQuery(target: { catalog: string; schema: string; table: string }): { sql: string } {
  const name = [target.catalog, target.schema, target.table].join('.');
  return {
    sql: `SELECT ${quoteLiteral(`CREATE TABLE ${name} (\n`)} || string_agg('   ' || column_name || ' ' || ${TRINO_TYPE}, ${quoteLiteral(',\n')} ORDER BY ordinal_position) || ${quoteLiteral('\n)')} AS "Create Table"
FROM system.information_schema.columns
WHERE table_catalog = ${quoteLiteral(target.catalog)} AND table_schema = ${quoteLiteral(target.schema)} AND table_name = ${quoteLiteral(target.table)}
HAVING count(*) > 0`,
  };
}
