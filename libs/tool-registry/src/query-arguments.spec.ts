import type { ObjectSchema } from '#tool-contract';
import { coerceQueryArguments } from './query-arguments.js';
import { compileArgumentsValidator, createAjv } from './schema-validator.js';

const schema: ObjectSchema = {
  type: 'object',
  properties: { size: { type: 'integer', minimum: 1 }, ratio: { type: 'number' }, exact: { type: 'boolean' }, name: { type: 'string' } },
  additionalProperties: false,
};

describe('coerceQueryArguments', () => {
  it('converts each value to the type the schema declares', () => {
    expect(coerceQueryArguments(schema, { size: '20', ratio: '-1.5e2', exact: 'false', name: '42' })).toEqual({
      size: 20,
      ratio: -150,
      exact: false,
      name: '42',
    });
  });

  it('leaves values that do not read as their type, and unknown names, for the validator to name', () => {
    const args = coerceQueryArguments(schema, { size: 'ten', exact: 'yes', ratio: ['1', '2'], extra: '1', name: '' });
    expect(args).toEqual({ size: 'ten', exact: 'yes', ratio: ['1', '2'], extra: '1', name: '' });
    const result = compileArgumentsValidator(createAjv(), schema)(args);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((problem) => problem.field).sort()).toEqual(['exact', 'extra', 'ratio', 'size']);
  });

  it('does not read empty or padded strings as numbers', () => {
    expect(coerceQueryArguments(schema, { size: '', ratio: ' 1' })).toEqual({ size: '', ratio: ' 1' });
  });
});
