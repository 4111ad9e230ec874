import type { MetadataQuery } from './metadata-queries.js';
import { qualifiedName, quoteLiteral } from './sql-quoting.js';

/** Candidate names one lookup reads at most: enough to find a typo's neighbours, cheap on any catalog. */
export const CANDIDATE_LIMIT = 1000;

/** What a Trino `*_NOT_FOUND` error says does not exist, and where the candidates for it live. */
export interface MissingName {
  what: 'Catalog' | 'Schema' | 'Table' | 'Column';
  name: string;
  catalog?: string;
  schema?: string;
  /** For a column: the tables of the statement it may belong to (same catalog). */
  tables?: readonly string[];
}

/** Where unqualified names resolve (the session), and the statement that failed. */
export interface FailedStatement {
  sql: string;
  catalog?: string;
  schema?: string;
}

/*
 * Trino's messages: "Table 'memory.sales.ordres' does not exist", "Schema 'salse' does not exist",
 * "Catalog 'memroy' not found" (older releases: "does not exist"), "Column 'totl' cannot be resolved";
 * the error name is before them (direct Trino: "TABLE_NOT_FOUND: line 1:15: …") or after them (XDP: "… (TABLE_NOT_FOUND)").
 */
const ERROR_NAME = /\b(TABLE|SCHEMA|CATALOG|COLUMN)_NOT_FOUND\b/;
const QUOTED_NAME = {
  TABLE: /\bTable '((?:[^']|'')+)'/,
  SCHEMA: /\bSchema '((?:[^']|'')+)'/,
  CATALOG: /\bCatalog '((?:[^']|'')+)'/,
  COLUMN: /\bColumn '((?:[^']|'')+)'/,
};

/** The missing name a Trino error reports, or nothing when it is not a `*_NOT_FOUND` we can look up. */
export function missingNameOf(message: string, statement: FailedStatement): MissingName | undefined {
  const errorName = ERROR_NAME.exec(message)?.[1] as keyof typeof QUOTED_NAME | undefined;
  const match = errorName === undefined ? undefined : QUOTED_NAME[errorName].exec(message);
  if (!errorName || !match) return undefined;
  const quoted = match[1].replaceAll("''", "'");
  switch (errorName) {
    case 'CATALOG':
      return { what: 'Catalog', name: quoted };
    case 'SCHEMA': {
      const [catalog, schema] = split(quoted, 2, statement);
      return catalog === undefined || schema === undefined ? undefined : { what: 'Schema', name: schema, catalog };
    }
    case 'TABLE': {
      const [catalog, schema, table] = split(quoted, 3, statement);
      return catalog === undefined || schema === undefined || table === undefined
        ? undefined
        : { what: 'Table', name: table, catalog, schema };
    }
    default: {
      const references = tableReferences(statement);
      const catalog = references[0]?.[0];
      if (catalog === undefined) return undefined;
      const sameCatalog = references.filter(([c]) => c === catalog);
      return { what: 'Column', name: quoted, catalog, tables: sameCatalog.map(([, schema, table]) => `${schema}.${table}`) };
    }
  }
}

/** The bounded metadata query listing the names that do exist where the missing one was looked for. */
export function candidatesQuery(missing: MissingName): MetadataQuery {
  switch (missing.what) {
    case 'Catalog':
      return { sql: 'SHOW CATALOGS' };
    case 'Schema':
      return {
        sql: `SELECT schema_name FROM ${qualifiedName(missing.catalog!, 'information_schema', 'schemata')} WHERE schema_name <> 'information_schema' LIMIT ${CANDIDATE_LIMIT}`,
      };
    case 'Table':
      return {
        sql: `SELECT table_name FROM ${qualifiedName(missing.catalog!, 'information_schema', 'tables')} WHERE table_schema = ${quoteLiteral(missing.schema!)} LIMIT ${CANDIDATE_LIMIT}`,
      };
    case 'Column': {
      const tables = (missing.tables ?? []).map((name) => {
        const [schema, table] = name.split(/\.(.*)/s);
        return `(table_schema = ${quoteLiteral(schema)} AND table_name = ${quoteLiteral(table)})`;
      });
      return {
        sql: `SELECT DISTINCT column_name FROM ${qualifiedName(missing.catalog!, 'information_schema', 'columns')} WHERE (${tables.join(' OR ')}) LIMIT ${CANDIDATE_LIMIT}`,
      };
    }
  }
}

/** A dotted Trino name completed from the session: `parts` long, or with undefined leading parts. */
function split(qualified: string, parts: number, statement: FailedStatement): Array<string | undefined> {
  const given = qualified.split('.').slice(-parts);
  return [...[statement.catalog, statement.schema].slice(0, parts - given.length), ...given];
}

const IDENTIFIER = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)`;
const TABLE_REFERENCE = new RegExp(String.raw`\b(?:FROM|JOIN)\s+(${IDENTIFIER}(?:\s*\.\s*${IDENTIFIER}){0,2})`, 'gi');

/**
 * `[catalog, schema, table]` of each table the statement reads after FROM or JOIN, completed from
 * the session: where an unknown column's candidates are. Only names that parse as identifiers
 * count (a subquery or table function after FROM is skipped).
 */
function tableReferences(statement: FailedStatement): Array<[string, string, string]> {
  const references: Array<[string, string, string]> = [];
  for (const match of statement.sql.matchAll(TABLE_REFERENCE)) {
    const parts = [...match[1].matchAll(new RegExp(IDENTIFIER, 'g'))].map(([identifier]) => unquote(identifier));
    const [catalog, schema, table] = [...[statement.catalog, statement.schema].slice(0, 3 - parts.length), ...parts];
    if (
      catalog !== undefined &&
      schema !== undefined &&
      table !== undefined &&
      !references.some((r) => r.join('.') === [catalog, schema, table].join('.'))
    ) {
      references.push([catalog, schema, table]);
    }
  }
  return references;
}

/** Trino folds unquoted identifiers to lower case; quoted ones are exact. */
function unquote(identifier: string): string {
  return identifier.startsWith('"') ? identifier.slice(1, -1).replaceAll('""', '"') : identifier.toLowerCase();
}
