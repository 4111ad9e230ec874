import { pageLimitBytes, retryAfterMs } from './trino-rest.client.js';
import { parseTrinoJson } from './trino-json.js';

describe('parseTrinoJson', () => {
  it('keeps integers beyond 2^53 exact as strings and everything else as numbers', () => {
    const body = parseTrinoJson('{"data":[[9007199254740993,9007199254740991,-9223372036854775808,1.5,"12.50",1e3]]}') as {
      data: unknown[][];
    };
    expect(body.data[0]).toEqual(['9007199254740993', 9007199254740991, '-9223372036854775808', 1.5, '12.50', 1000]);
  });

  it('leaves long digit runs inside strings, fractions and exponents alone', () => {
    const text = String.raw`{"data":[["12345678901234567890","a\"12345678901234567890",1.12345678901234567,2e-12345678901234567,-12345678901234567890]]}`;
    const body = parseTrinoJson(text) as { data: unknown[][] };
    expect(body.data[0]).toEqual(['12345678901234567890', 'a"12345678901234567890', 1.1234567890123457, 0, '-12345678901234567890']);
  });
});

describe('retryAfterMs', () => {
  it('reads delay-seconds and HTTP dates, capped, and ignores garbage', () => {
    expect(retryAfterMs('2', 10_000)).toBe(2000);
    expect(retryAfterMs('120', 10_000)).toBe(10_000);
    expect(retryAfterMs(new Date(1_000_000 + 3000).toUTCString(), 10_000, 1_000_000)).toBe(3000);
    expect(retryAfterMs('0', 10_000)).toBe(0);
    expect(retryAfterMs('-5', 10_000)).toBeUndefined();
    expect(retryAfterMs('soon', 10_000)).toBeUndefined();
    expect(retryAfterMs(null, 10_000)).toBeUndefined();
  });
});

describe('pageLimitBytes', () => {
  it('is four result budgets, never below 8 MiB', () => {
    expect(pageLimitBytes(256 * 1024)).toBe(8 * 1024 * 1024);
    expect(pageLimitBytes(16 * 1024 * 1024)).toBe(64 * 1024 * 1024);
  });
});
