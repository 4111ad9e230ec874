import type { JsonSchema, ObjectSchema, ToolAnnotations } from '#tool-contract';

export const MAX_ROWS_LIMIT = 10_000;
const NAME = { type: 'string', minLength: 1, maxLength: 256 } as const;

export const DATAPLANE_PROPERTY: JsonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 128,
  description: 'Dataplane to run on (XDP dataplane id or name, the direct Trino name, or "local"); optional when only one exists',
};

export const TRINO_ANNOTATIONS: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true };

export const QUERY_RESULT_SCHEMA: ObjectSchema = {
  type: 'object',
  properties: {
    dataplane: { type: 'string' },
    columns: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, type: { type: 'string', description: 'Trino type name, e.g. varchar, bigint, decimal(10,2)' } },
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
      description: 'What cut the result: the maxRows cap, or the result size budget (later rows dropped; over-long values end in "…[cut: N bytes in full]")',
    },
    queryId: { type: 'string' },
    elapsedMs: { type: 'integer', minimum: 0 },
  },
  required: ['dataplane', 'columns', 'rows', 'rowCount', 'truncated', 'queryId', 'elapsedMs'],
  additionalProperties: false,
};

const SQL_TEXT = { type: 'string', minLength: 1, maxLength: 100_000 };
const SESSION_PROPERTIES = {
  catalog: { ...NAME, description: 'Session catalog for unqualified table names' },
  schema: { ...NAME, description: 'Session schema for unqualified table names' },
};

export const EXECUTE_QUERY_INPUT: ObjectSchema = {
  type: 'object',
  properties: {
    dataplane: DATAPLANE_PROPERTY,
    query: { ...SQL_TEXT, description: 'One read-only SQL statement (SELECT, WITH, VALUES, SHOW, DESCRIBE, EXPLAIN)' },
    maxRows: { type: 'integer', minimum: 1, maximum: MAX_ROWS_LIMIT, default: 100, description: 'Row cap; reading stops there and the query is cancelled' },
    ...SESSION_PROPERTIES,
  },
  required: ['query'],
  additionalProperties: false,
};

export const EXPLAIN_INPUT: ObjectSchema = {
  type: 'object',
  properties: {
    dataplane: DATAPLANE_PROPERTY,
    query: { ...SQL_TEXT, description: 'The read-only statement to explain (without EXPLAIN)' },
    ...SESSION_PROPERTIES,
  },
  required: ['query'],
  additionalProperties: false,
};

export function metadataInput(names: readonly ('catalog' | 'schema' | 'table')[], required: readonly string[]): ObjectSchema {
  return {
    type: 'object',
    properties: { dataplane: DATAPLANE_PROPERTY, ...Object.fromEntries(names.map((name) => [name, { ...NAME, description: `${name[0].toUpperCase()}${name.slice(1)} name (exact, case-sensitive)` }])) },
    required: [...required],
    additionalProperties: false,
  };
}
