import { isSafeNumber, parse } from 'lossless-json';
import { parseExactJson } from './exact-json.js';

/** The reference semantics: what lossless-json makes of the same text. */
const reference = (text: string) => parse(text, null, (value) => (isSafeNumber(value) ? Number(value) : value));

describe('parseExactJson', () => {
  it.each([
    '{"id":9007199254740993,"safe":9007199254740991,"neg":-9223372036854775808}',
    '[0.1234567890123456789,1.5,1e400,1e-400,-2.5E+3,12345678901234,123456789012345678]',
    '{"s":"9007199254740993","q":"a\\"12345678901234567890\\\\","n":[null,true,false,0,-0]}',
    '{"nested":{"rows":[[1,"x"],[99999999999999999999,"y"]]},"e":"1e400"}',
    '[12345678.123456789,1234567.1234567891,5e-324,0.5]',
  ])('parses %s exactly as lossless-json does', (text) => {
    expect(parseExactJson(text)).toEqual(reference(text));
  });

  it('parses a multi-megabyte answer with the native parser', () => {
    const text = JSON.stringify({ rows: Array.from({ length: 20_000 }, (_, i) => [i, `row ${i}`.repeat(20), 1.25]) });
    expect(parseExactJson(text)).toEqual(JSON.parse(text));
  });
});
