import { jsonDepthExceeds, MAX_JSON_DEPTH } from './json-depth.js';

const nested = (depth: number) => Buffer.from('['.repeat(depth) + ']'.repeat(depth));

describe('jsonDepthExceeds', () => {
  it('allows nesting up to the limit and refuses one level more', () => {
    expect(jsonDepthExceeds(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonDepthExceeds(nested(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(jsonDepthExceeds(Buffer.from('{"a":'.repeat(MAX_JSON_DEPTH + 1) + '1' + '}'.repeat(MAX_JSON_DEPTH + 1)))).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ sql: '['.repeat(500), quote: '"[[[\\"' + '{'.repeat(500) });
    expect(jsonDepthExceeds(Buffer.from(text))).toBe(false);
  });

  it('counts depth, not the number of containers', () => {
    expect(jsonDepthExceeds(Buffer.from(JSON.stringify(Array.from({ length: 1000 }, () => [{}]))))).toBe(false);
  });
});
