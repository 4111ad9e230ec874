import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { FieldProblem, ObjectSchema } from '#tool-contract';

// ajv-formats is CommonJS; under ESM its callable export arrives as `default`.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

/**
 * One Ajv instance for the process: compiling is the expensive part, so each tool's
 * schema is compiled once at bootstrap and the same published schema is what validates.
 */
export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: true, coerceTypes: false });
  addFormats(ajv);
  return ajv;
}

export type ArgumentsValidator = (args: unknown) => { ok: true; value: Record<string, unknown> } | { ok: false; problems: FieldProblem[] };

export function compileArgumentsValidator(ajv: Ajv2020, schema: ObjectSchema): ArgumentsValidator {
  const validate: ValidateFunction = ajv.compile(schema);
  return (args) => {
    // Defaults are applied in place, so validate a copy: callers' objects stay untouched.
    const value = structuredClone(args ?? {}) as Record<string, unknown>;
    if (validate(value)) return { ok: true, value };
    return { ok: false, problems: (validate.errors ?? []).map(describeError) };
  };
}

function describeError(error: ErrorObject): FieldProblem {
  const path = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  switch (error.keyword) {
    case 'required':
      return { field: join(path, String(error.params.missingProperty)), message: 'is required' };
    case 'additionalProperties':
      return { field: join(path, String(error.params.additionalProperty)), message: 'is not an accepted argument' };
    default:
      return { field: path || '(arguments)', message: error.message ?? 'is invalid' };
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

export function formatProblems(problems: readonly FieldProblem[]): string {
  return problems.map((problem) => `${problem.field} ${problem.message}`).join('; ');
}
