import type { JsonSchema, ObjectSchema } from '#tool-contract';

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * A query string carries only strings. Each top-level value is converted to the type the tool's
 * inputSchema declares for it, and nothing else is done: the tool's own validator then judges the
 * result, so `?size=500` and `{ "size": 500 }` get the same verdict. A value that does not read as
 * its type (`?size=ten`, a repeated parameter) stays as sent and the validator names it.
 */
export function coerceQueryArguments(schema: ObjectSchema, query: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).map(([name, value]) => [name, coerce(schema.properties[name], value)]));
}

function coerce(property: JsonSchema | undefined, value: unknown): unknown {
  if (typeof value !== 'string' || property === undefined) return value;
  switch (property.type) {
    case 'integer':
    case 'number':
      return NUMBER.test(value) ? Number(value) : value;
    case 'boolean':
      return value === 'true' ? true : value === 'false' ? false : value;
    default:
      return value;
  }
}
