import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { FieldProblem, ObjectSchema } from '#tool-contract';

// ajv-formats is CommonJS; under ESM its callable export arrives as `default`.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv2020,
) => Ajv2020;

/**
 * One Ajv instance for the process: compiling is the expensive part, so each tool's schema is
 * compiled once, on the tool's first call, and the same published schema is what validates.
 */
export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: true, coerceTypes: false });
  addFormats(ajv);
  return ajv;
}

/**
 * Arguments holding more values (object properties and array items, at any depth) are refused
 * before they are copied or validated: no tool takes that many, and with every error collected a
 * hostile object of 60,000 unknown keys cost seconds of event loop and a multi-megabyte error.
 */
export const MAX_ARGUMENT_VALUES = 10_000;
/** Problems named in an error; the rest are counted, so an error stays small however bad the input. */
export const MAX_REPORTED_PROBLEMS = 10;

export type ArgumentsValidator = (args: unknown) => { ok: true; value: Record<string, unknown> } | { ok: false; problems: FieldProblem[] };

/**
 * Compiles on first use, not at registration: compiling every tool's schema (and Ajv's own
 * meta-schema) at bootstrap cost ~0.1 s of a ~1 s start-up, for tools a replica may never be asked to run.
 */
export function compileArgumentsValidator(ajv: Ajv2020, schema: ObjectSchema): ArgumentsValidator {
  let compiled: ValidateFunction | undefined;
  return (args) => {
    if (exceedsValueCount(args, MAX_ARGUMENT_VALUES)) {
      return {
        ok: false,
        problems: [
          {
            field: '(arguments)',
            message: `hold more than ${MAX_ARGUMENT_VALUES} values (properties and array items); no tool accepts that many`,
          },
        ],
      };
    }
    // Defaults are applied in place, so validate a copy: callers' objects stay untouched.
    const value = structuredClone(args ?? {}) as Record<string, unknown>;
    const validate = (compiled ??= ajv.compile(schema));
    if (validate(value)) return { ok: true, value };
    return { ok: false, problems: capProblems((validate.errors ?? []).map(describeError)) };
  };
}

/** Iterative (a deep value cannot overflow the stack) and stops as soon as the count is passed. */
function exceedsValueCount(value: unknown, max: number): boolean {
  let count = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const current = pending.pop();
    if (typeof current !== 'object' || current === null) continue;
    const children = Array.isArray(current) ? current : Object.values(current);
    count += children.length;
    if (count > max) return true;
    for (const child of children) pending.push(child);
  }
  return false;
}

function capProblems(problems: FieldProblem[]): FieldProblem[] {
  if (problems.length <= MAX_REPORTED_PROBLEMS) return problems;
  const more = problems.length - MAX_REPORTED_PROBLEMS;
  return [
    ...problems.slice(0, MAX_REPORTED_PROBLEMS),
    { field: '(arguments)', message: `and ${more} more problem${more === 1 ? '' : 's'}` },
  ];
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
