import type { ArgumentsOf, ObjectSchema, ToolAnnotations } from '#tool-contract';

export const MAX_ROWS_LIMIT = 10_000;
const NAME = { type: 'string', minLength: 1, maxLength: 256 } as const;

const DATAPLANE_PROPERTY = {
  type: 'string',
  minLength: 1,
  maxLength: 128,
  description: 'Dataplane to run on (XDP dataplane id or name, the direct Trino name, or "local"); optional when only one exists',
} as const;

export const TRINO_ANNOTATIONS: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true };

export const QUERY_RESULT_SCHEMA: ObjectSchema = {
  type: 'object',
  properties: {
    dataplane: { type: 'string' },
    columns: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          type: { type: 'string', description: 'Trino type name, e.g. varchar, bigint, decimal(10,2)' },
        },
        required: ['name', 'type'],
        additionalProperties: false,
      },
    },
    rows: {
      type: 'array',
      description: "Positional rows in Trino's JSON encoding: bigint beyond 2^53 and decimals as strings, row values as arrays",
      items: { type: 'array' },
    },
    rowCount: { type: 'integer', minimum: 0 },
    truncated: { type: 'boolean', description: 'True when the query had more rows than maxRows or than fit in the result size budget' },
    truncatedBy: {
      type: 'string',
      enum: ['rows', 'bytes'],
      description:
        'What cut the result: the maxRows cap, or the result size budget (later rows dropped; over-long values end in "…[cut: N bytes in full]")',
    },
    queryId: { type: 'string' },
    elapsedMs: { type: 'integer', minimum: 0 },
  },
  required: ['dataplane', 'columns', 'rows', 'rowCount', 'truncated', 'queryId', 'elapsedMs'],
  additionalProperties: false,
};

const SQL_TEXT = { type: 'string', minLength: 1, maxLength: 100_000 } as const;
const SESSION_PROPERTIES = {
  catalog: { ...NAME, description: 'Session catalog for unqualified table names' },
  schema: { ...NAME, description: 'Session schema for unqualified table names' },
} as const;

/*
 * The input schemas are declared `as const`, so each handler's arguments are derived from its schema
 * (ArgumentsOf): the compiler checks that a handler reads only what its schema defines, with its type.
 * The registry's Ajv still validates and applies defaults at run time.
 */

export const EXECUTE_QUERY_INPUT = {
  type: 'object',
  properties: {
    dataplane: DATAPLANE_PROPERTY,
    query: { ...SQL_TEXT, description: 'One read-only SQL statement (SELECT, WITH, VALUES, SHOW, DESCRIBE, EXPLAIN)' },
    maxRows: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_ROWS_LIMIT,
      default: 100,
      description: 'Row cap; reading stops there and the query is cancelled',
    },
    ...SESSION_PROPERTIES,
  },
  required: ['query'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

/** `maxRows` has a default, so it is always present. */
export type ExecuteQueryArgs = ArgumentsOf<typeof EXECUTE_QUERY_INPUT>;

export const EXPLAIN_INPUT = {
  type: 'object',
  properties: {
    dataplane: DATAPLANE_PROPERTY,
    query: { ...SQL_TEXT, description: 'The read-only statement to explain (without EXPLAIN)' },
    ...SESSION_PROPERTIES,
  },
  required: ['query'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

export type ExplainArgs = ArgumentsOf<typeof EXPLAIN_INPUT>;

/** A metadata tool's name argument: matched exactly, as Trino stores it. */
const exactName = <const D extends string>(description: D) => ({ ...NAME, description }) as const;
const CATALOG = exactName('Catalog name (exact, case-sensitive)');
const SCHEMA = exactName('Schema name (exact, case-sensitive)');
const TABLE = exactName('Table name (exact, case-sensitive)');

export const LIST_CATALOGS_INPUT = {
  type: 'object',
  properties: { dataplane: DATAPLANE_PROPERTY },
  required: [],
  additionalProperties: false,
} as const satisfies ObjectSchema;

export type ListCatalogsArgs = ArgumentsOf<typeof LIST_CATALOGS_INPUT>;

export const LIST_SCHEMAS_INPUT = {
  type: 'object',
  properties: { dataplane: DATAPLANE_PROPERTY, catalog: CATALOG },
  required: ['catalog'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

export type ListSchemasArgs = ArgumentsOf<typeof LIST_SCHEMAS_INPUT>;

export const LIST_TABLES_INPUT = {
  type: 'object',
  properties: { dataplane: DATAPLANE_PROPERTY, catalog: CATALOG, schema: SCHEMA },
  required: ['catalog'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

export type ListTablesArgs = ArgumentsOf<typeof LIST_TABLES_INPUT>;

export const DESCRIBE_TABLE_INPUT = {
  type: 'object',
  properties: { dataplane: DATAPLANE_PROPERTY, catalog: CATALOG, schema: SCHEMA, table: TABLE },
  required: ['catalog', 'schema', 'table'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

export type DescribeTableArgs = ArgumentsOf<typeof DESCRIBE_TABLE_INPUT>;
