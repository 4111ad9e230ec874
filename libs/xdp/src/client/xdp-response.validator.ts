import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { XdpDataplaneList, XdpDataStorePage, XdpEnvelope, XdpQueryExecution } from './xdp.models.js';

const nullable = (type: string | string[]) => ({ type: [...(Array.isArray(type) ? type : [type]), 'null'] });
const count = { type: 'integer', minimum: 0 };

const pageMeta = {
  type: 'object',
  properties: { size: count, page: count, count },
  required: ['size', 'page', 'count'],
};

const envelope = {
  type: 'object',
  properties: {
    success: { type: 'boolean' },
    errorCode: nullable(['integer', 'string']),
    message: nullable('string'),
    detailedMessage: nullable('string'),
  },
  required: ['success'],
};

const dataStorePage = {
  type: 'object',
  properties: {
    dataStores: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          name: { type: 'string' },
          dataplaneId: { type: 'integer' },
          dataStoreType: { type: 'string' },
          config: nullable('object'),
          tenantId: nullable('string'),
          createdAt: nullable('string'),
          updatedAt: nullable('string'),
          isCredentialConfigured: nullable('boolean'),
        },
        required: ['id', 'name', 'dataplaneId', 'dataStoreType'],
      },
    },
    meta: pageMeta,
  },
  required: ['dataStores', 'meta'],
};

const dataplaneList = {
  type: 'object',
  properties: {
    dataplanes: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          name: { type: 'string' },
          description: nullable('string'),
          type: nullable('string'),
          status: nullable('string'),
          version: nullable('string'),
          tenantId: nullable('string'),
        },
        required: ['id', 'name'],
      },
    },
    meta: { anyOf: [pageMeta, { type: 'null' }] },
  },
  required: ['dataplanes'],
};

// Trino's error object, or the plain string the earlier XDP types declared.
const queryError = { anyOf: [{ type: 'string' }, { type: 'object' }, { type: 'null' }] };

const queryExecution = {
  type: 'object',
  properties: {
    id: nullable(['integer', 'string']),
    runRequestId: nullable('string'),
    queryId: nullable('string'),
    status: nullable('string'),
    error: queryError,
    result: {
      anyOf: [
        { type: 'null' },
        {
          type: 'object',
          properties: {
            id: nullable('string'),
            state: nullable('string'),
            columns: {
              anyOf: [
                { type: 'null' },
                {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: { name: { type: 'string' }, type: { type: 'string' }, typeSignature: nullable('object') },
                    required: ['name', 'type'],
                  },
                },
              ],
            },
            data: { anyOf: [{ type: 'null' }, { type: 'array', items: { type: 'array' } }] },
            stats: nullable('object'),
            error: queryError,
            nextUri: nullable('string'),
            warnings: nullable('array'),
          },
        },
      ],
    },
  },
};

/** Either the typed value or a description of the first mismatch, e.g. `data.dataStores[3].id must be integer`. */
export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

export type Check<T> = (body: unknown) => Checked<T>;

let ajv: Ajv2020 | undefined;

/**
 * Compiled on the first body checked, not at import: compiling took ~0.1 s of every start-up,
 * also of servers without XDP configured.
 */
function compile<T>(schema: object, root: string): Check<T> {
  let validate: ValidateFunction | undefined;
  return (body) => {
    // allErrors off: the first mismatch is enough to reject a body, and cheaper on the hot path.
    validate ??= (ajv ??= new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: false })).compile(schema);
    return validate(body) ? { ok: true, value: body as T } : { ok: false, problem: describe(validate.errors?.[0], root) };
  };
}

function describe(error: ErrorObject | undefined, root: string): string {
  if (!error) return 'does not match the expected shape';
  const path = (root + error.instancePath.replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.')).replace(/^\./, '');
  if (error.keyword === 'required') return `${path || '(body)'} is missing "${String(error.params.missingProperty)}"`;
  return `${path || '(body)'} ${error.message ?? 'is invalid'}`;
}

export const checkEnvelope: Check<XdpEnvelope<unknown>> = compile(envelope, '');
export const checkDataStorePage: Check<XdpDataStorePage> = compile(dataStorePage, 'data');
export const checkDataplaneList: Check<XdpDataplaneList> = compile(dataplaneList, '');
export const checkQueryExecution: Check<XdpQueryExecution> = compile(queryExecution, '');
