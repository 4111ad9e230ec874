import type { ObjectSchema } from '#tool-contract';
import { compileArgumentsValidator, createAjv, formatProblems } from './schema-validator.js';

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
