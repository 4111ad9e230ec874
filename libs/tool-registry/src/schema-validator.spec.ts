import type { ObjectSchema } from '#tool-contract';
import { compileArgumentsValidator, createAjv, formatProblems, MAX_ARGUMENT_VALUES, MAX_REPORTED_PROBLEMS } from './schema-validator.js';

const schema: ObjectSchema = {
  type: 'object',
  properties: {
    page: { type: 'integer', minimum: 0, default: 0 },
    sortBy: { type: 'string', pattern: '^[A-Za-z]+:(asc|desc)$' },
    filter: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false },
  },
  additionalProperties: false,
};

describe('compileArgumentsValidator', () => {
  it('compiles the schema on the first call, not when the validator is made', () => {
    const ajv = createAjv();
    const compile = jest.spyOn(ajv, 'compile');
    const lazy = compileArgumentsValidator(ajv, schema);
    expect(compile).not.toHaveBeenCalled();
    lazy({});
    lazy({ page: 1 });
    expect(compile).toHaveBeenCalledTimes(1);
  });

  const validate = compileArgumentsValidator(createAjv(), schema);

  it('applies defaults to a copy and leaves the caller object untouched', () => {
    const input = {};
    const result = validate(input);
    expect(result).toEqual({ ok: true, value: { page: 0 } });
    expect(input).toEqual({});
  });

  it('treats missing arguments as an empty object', () => {
    expect(validate(undefined)).toEqual({ ok: true, value: { page: 0 } });
  });

  it('names each failing field, including nested and unknown ones', () => {
    const result = validate({ page: -1, sortBy: 'name', extra: 1, filter: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(
      expect.arrayContaining([
        { field: 'page', message: 'must be >= 0' },
        { field: 'extra', message: 'is not an accepted argument' },
        { field: 'filter.name', message: 'is required' },
        expect.objectContaining({ field: 'sortBy' }),
      ]),
    );
    expect(formatProblems(result.problems)).toContain('page must be >= 0');
  });

  it('does not coerce types', () => {
    const result = validate({ page: '1' });
    expect(result.ok).toBe(false);
  });

  it('rejects a non-object argument value', () => {
    expect(validate([1, 2]).ok).toBe(false);
    expect(validate('x').ok).toBe(false);
  });
});

describe('compileArgumentsValidator on hostile arguments', () => {
  const validate = compileArgumentsValidator(createAjv(), schema);

  it('names the first problems and counts the rest, so the error stays small', () => {
    const args = Object.fromEntries(Array.from({ length: 500 }, (_, index) => [`unknown${index}`, index]));
    const result = validate(args);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(MAX_REPORTED_PROBLEMS + 1);
    expect(result.problems[0]).toEqual({ field: 'unknown0', message: 'is not an accepted argument' });
    expect(result.problems[MAX_REPORTED_PROBLEMS]).toEqual({
      field: '(arguments)',
      message: `and ${500 - MAX_REPORTED_PROBLEMS} more problems`,
    });
  });

  it('refuses arguments with more values than any tool takes before validating them', () => {
    const args = Object.fromEntries(Array.from({ length: MAX_ARGUMENT_VALUES + 1 }, (_, index) => [`k${index}`, 1]));
    const result = validate(args);
    expect(result).toEqual({
      ok: false,
      problems: [{ field: '(arguments)', message: expect.stringContaining(`more than ${MAX_ARGUMENT_VALUES} values`) }],
    });
    // Nested values count as well.
    const nested = validate({ filter: { name: 'x', list: Array.from({ length: MAX_ARGUMENT_VALUES }, () => 0) } });
    expect(nested).toEqual({ ok: false, problems: [expect.objectContaining({ message: expect.stringContaining('more than') })] });
  });
});
