import { createSecretScrubber } from './secret-scrubber.js';

describe('createSecretScrubber', () => {
  const scrub = createSecretScrubber(['xdp-secret-value', 'abc']);

  it('replaces every recorded secret value, and ignores values too short to be told from noise', () => {
    expect(scrub('key xdp-secret-value and xdp-secret-value; abc stays')).toBe('key [REDACTED] and [REDACTED]; abc stays');
  });

  it('redacts access_token query parameters without disturbing the rest of the URL', () => {
    expect(scrub('{"url":"/ws?access_token=tok123&x=1"}')).toBe('{"url":"/ws?access_token=[REDACTED]&x=1"}');
    expect(scrub('{"url":"/api/tools/list?access_token=tok123"}')).toBe('{"url":"/api/tools/list?access_token=[REDACTED]"}');
  });

  it('redacts bearer credentials, credential fields and JWTs anywhere in a line', () => {
    expect(scrub('Authorization: Bearer abc.def-ghi')).toBe('Authorization: Bearer [REDACTED]');
    expect(scrub('{"secretKey":"s3cr3t","password":"pw","other":"kept"}')).toBe('{"secretKey":"[REDACTED]","password":"[REDACTED]","other":"kept"}');
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.dGhpc2lzYXNpZ25hdHVyZQ';
    expect(scrub(`token was ${jwt}.`)).toBe('token was [REDACTED].');
  });
});
