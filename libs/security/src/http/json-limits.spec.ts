import { jsonLimitExceeded, jsonLimitMessage, MAX_JSON_DEPTH, MAX_JSON_VALUES, topLevelId } from './json-limits.js';

const bytes = (text: string) => Buffer.from(text);
const nested = (depth: number) => bytes('['.repeat(depth) + ']'.repeat(depth));

describe('jsonLimitExceeded', () => {
  it('allows nesting up to the depth limit and refuses one level more', () => {
    expect(jsonLimitExceeded(nested(MAX_JSON_DEPTH))).toBeUndefined();
    expect(jsonLimitExceeded(nested(MAX_JSON_DEPTH + 1))).toBe('depth');
    expect(jsonLimitExceeded(bytes('{"a":'.repeat(MAX_JSON_DEPTH + 1) + '1' + '}'.repeat(MAX_JSON_DEPTH + 1)))).toBe('depth');
  });

  it('ignores brackets, colons and commas inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ sql: '['.repeat(500) + ':,'.repeat(MAX_JSON_VALUES), quote: '"[[[\\"' + '{'.repeat(500) });
    expect(jsonLimitExceeded(bytes(text))).toBeUndefined();
  });

  it('counts object members and array items at any depth, exactly', () => {
    const members = (count: number) =>
      JSON.stringify({ nested: Object.fromEntries(Array.from({ length: count - 1 }, (_, index) => [`k${index}`, 0])) });
    expect(jsonLimitExceeded(bytes(members(MAX_JSON_VALUES)))).toBeUndefined();
    expect(jsonLimitExceeded(bytes(members(MAX_JSON_VALUES + 1)))).toBe('values');
    const items = (count: number) => JSON.stringify([Array.from({ length: count - 1 }, () => 1)]);
    expect(jsonLimitExceeded(bytes(items(MAX_JSON_VALUES)))).toBeUndefined();
    expect(jsonLimitExceeded(bytes(items(MAX_JSON_VALUES + 1)))).toBe('values');
    expect(jsonLimitExceeded(bytes('[ ]'), 64, 0)).toBeUndefined();
    expect(jsonLimitExceeded(bytes('[ [] ]'), 64, 0)).toBe('values');
  });

  it('counts depth, not the number of containers', () => {
    expect(jsonLimitExceeded(bytes(JSON.stringify(Array.from({ length: 1000 }, () => [{}]))))).toBeUndefined();
  });

  it('names the limit in its message', () => {
    expect(jsonLimitMessage('depth')).toBe('Invalid Request: JSON nested deeper than 64 levels');
    expect(jsonLimitMessage('values')).toContain(`more than ${MAX_JSON_VALUES} values`);
  });
});

describe('topLevelId', () => {
  const deep = '['.repeat(10_000) + ']'.repeat(10_000);

  it('reads a string or number id before or after a huge or deep member', () => {
    expect(topLevelId(bytes(`{"jsonrpc":"2.0","id":${JSON.stringify('req-"7')},"params":${deep}}`))).toBe('req-"7');
    expect(topLevelId(bytes(`{"params":{"id":"nested, not mine","x":${deep}},"id":-12.5e1}`))).toBe(-125);
    expect(topLevelId(bytes(JSON.stringify({ method: 'x', id: '💥' })))).toBe('💥');
  });

  it('is undefined without a usable top-level id', () => {
    for (const text of [`[${deep}]`, '{"params":{"id":1}}', '{"id":null}', '{"id":{"a":1}}', '{"id":true}', '"id"', '{"id"'])
      expect(topLevelId(bytes(text))).toBeUndefined();
  });
});
