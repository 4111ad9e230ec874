import { boundedText, createSecretScrubber, REDACTED } from './secret-scrubber.js';

const PASSWORD = 'Tr1no-P@ss word/+=';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzdmMifQ.c2lnbmF0dXJlLW9mLXRoZS1zZXJ2aWNl';
const XDP_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCY';
const BASIC_PAIR = `svc:${PASSWORD}`;

const scrub = createSecretScrubber({
  secrets: [PASSWORD, JWT, XDP_SECRET, BASIC_PAIR, 'abc'],
  internalEndpoints: [
    { label: 'XDP', url: 'https://xdp.corp.internal:9443/xdp-cp-service/api' },
    { label: 'Trino', url: 'http://10.1.2.3:8080' },
  ],
});

const base64 = (text: string) => Buffer.from(text).toString('base64');
const base64url = (text: string) => Buffer.from(text).toString('base64url');

describe('createSecretScrubber', () => {
  describe('removes every configured secret in the forms it travels in', () => {
    it.each([
      ['raw', PASSWORD],
      ['URL-encoded', encodeURIComponent(PASSWORD)],
      ['form-encoded', encodeURIComponent(PASSWORD).replace(/%20/g, '+')],
      ['JSON-escaped', JSON.stringify(`"${XDP_SECRET}"`).slice(1, -1)],
      ['base64', base64(XDP_SECRET)],
      ['base64 without padding', base64(PASSWORD).replace(/=+$/, '')],
      ['base64url', base64url(PASSWORD)],
      ['base64 of user:password (Basic auth)', base64(BASIC_PAIR)],
      ['the Trino JWT', JWT],
      ['the XDP secret key', XDP_SECRET],
    ])('%s', (_form, value) => {
      const scrubbed = scrub(`Query failed: echo ${value} (end)`);
      expect(scrubbed).toContain(REDACTED);
      expect(scrubbed).not.toContain(value);
      expect(scrubbed).toMatch(/^Query failed: echo .*\(end\)$/);
    });

    it('ignores values too short to be told from noise', () => {
      expect(scrub('abc stays')).toBe('abc stays');
    });
  });

  describe('removes credential shapes it was never told about', () => {
    it.each([
      ['URL userinfo', 'see https://reader:hunter22@db.example.com/x ok', 'hunter22'],
      ['JDBC userinfo', 'jdbc:postgresql://reader:hunter22@db:5432/sales', 'hunter22'],
      ['userinfo with an unencoded / in the password', 'jdbc:postgresql://reader:hun/ter+22@db:5432/sales', 'ter+22'],
      ['user:password@ without a scheme', 'connect reader:hunter22@db.example.com:5432 failed', 'hunter22'],
      ['libpq DSN', 'host=db port=5432 user=reader password=hunter22 dbname=sales', 'hunter22'],
      ['libpq DSN, quoted', "host=db password='hunter 22' dbname=sales", 'hunter 22'],
      ['pwd=', 'Server=db;Uid=reader;Pwd=hunter22;', 'hunter22'],
      ['passwd:', 'passwd: hunter22', 'hunter22'],
      ['pass=', 'user=a pass=hunter22', 'hunter22'],
      ['auth=', '?auth=hunter22&x=1', 'hunter22'],
      ['access_token query parameter', '/ws?access_token=hunter22&x=1', 'hunter22'],
      ['Authorization: Basic', 'Authorization: Basic aHVudGVyOjIy', 'aHVudGVyOjIy'],
      ['Authorization: Bearer', 'authorization: Bearer hunter22.x-y', 'hunter22'],
      ['Proxy-Authorization', 'Proxy-Authorization: Negotiate hunter22', 'hunter22'],
      ['Bearer anywhere', 'token was Bearer hunter22', 'hunter22'],
      ['Cookie header', 'Cookie: session=hunter22; theme=dark', 'hunter22'],
      ['JSON key', '{"secretKey":"hunter22","other":"kept"}', 'hunter22'],
      ['JSON key with escapes in the value', '{"password":"hun\\"ter22"}', 'ter22'],
      ['JSON quoted inside a string', '{"msg":"{\\"db_password\\":\\"hunter22\\"}"}', 'hunter22'],
      ['presigned X-Amz-Signature', 'https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIAX%2F2024&X-Amz-Signature=abcdef0123', 'abcdef0123'],
      ['presigned X-Amz-Credential', 'https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIAX%2F2024&X-Amz-Signature=abcdef0123', 'AKIAX'],
      ['Azure SAS sig=', 'https://acct.blob.core.windows.net/c?sv=2020&sig=hunter22%3D', 'hunter22'],
      ['a JWT', `token was ${'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'}sig`, 'eyJzdWIiOiJ4In0'],
    ])('%s', (_shape, text, secret) => {
      const scrubbed = scrub(text);
      expect(scrubbed).not.toContain(secret);
      expect(scrubbed).toContain(REDACTED);
    });
  });

  it('keeps ordinary text and the non-secret parts of a shape visible', () => {
    expect(scrub('{"secretKey":"s3cr3t","password":"pw","other":"kept"}')).toBe(
      `{"secretKey":"${REDACTED}","password":"${REDACTED}","other":"kept"}`,
    );
    expect(scrub('{"url":"/ws?access_token=tok123&x=1"}')).toBe(`{"url":"/ws?access_token=${REDACTED}&x=1"}`);
    expect(scrub('host=db password=pw1234 dbname=sales')).toBe(`host=db password=${REDACTED} dbname=sales`);
    const plain = 'line 1:8: Column "monkey" cannot be resolved (COLUMN_NOT_FOUND); keyboard=1, author@example.com, 12:30';
    expect(scrub(plain)).toBe(plain);
  });

  // Edges of the shortcuts the hot path takes (scheme anchored after a non-letter, the literal each
  // JSON shape needs, the `:password@` trigger): each case sits just where a shortcut could skip it.
  it.each([
    ['a scheme glued to a digit', 'x1jdbc:postgresql://reader:hunter22@db:5432/s', 'hunter22', `x1jdbc:postgresql://${REDACTED}@db:5432/s`],
    ['a scheme glued to a word and a dot', 'see:a.b+c-d://u:hunter22@h/x', 'hunter22', `see:a.b+c-d://${REDACTED}@h/x`],
    [
      'a scheme right after a previous match',
      'http://u:hunter22@h,ftp://v:hunter33@g',
      'hunter33',
      `http://${REDACTED}@h,ftp://${REDACTED}@g`,
    ],
    ['userinfo without a password', 'redis://hunter22@cache:6379', 'hunter22', `redis://${REDACTED}@cache:6379`],
    ['userinfo without a password after a replaced one', 'a://u:pw12@h b://hunter22@g', 'hunter22', `a://${REDACTED}@h b://${REDACTED}@g`],
    [
      'user:password@ after an e-mail address',
      'mail a@b.example, db reader:hunter22@db.example.com',
      'hunter22',
      `mail a@b.example, db ${REDACTED}@db.example.com`,
    ],
    ['JSON inside a string, no plain quote elsewhere', '\\"token\\":\\"hunter22\\"', 'hunter22', `\\"token\\":\\"${REDACTED}\\"`],
  ])('still finds %s', (_edge, text, secret, expected) => {
    const scrubbed = scrub(text);
    expect(scrubbed).not.toContain(secret);
    expect(scrubbed).toBe(expected);
  });

  it('shows the label of an internal upstream instead of its URL, origin or host:port', () => {
    expect(scrub('XDP is unreachable at https://xdp.corp.internal:9443/xdp-cp-service/api for GET /datastore')).toBe(
      'XDP is unreachable at [XDP] for GET /datastore',
    );
    expect(scrub('fetch http://10.1.2.3:8080/v1/info failed; connect 10.1.2.3:8080')).toBe('fetch [Trino]/v1/info failed; connect [Trino]');
  });

  it('still accepts a bare list of secret values', () => {
    expect(createSecretScrubber(['xdp-secret-value'])('key xdp-secret-value and xdp-secret-value')).toBe(`key ${REDACTED} and ${REDACTED}`);
  });
});

describe('boundedText', () => {
  it('scrubs before bounding, so a secret cut at the limit does not leak half', () => {
    const text = `Trino ${'x'.repeat(20)}${PASSWORD}`;
    const bounded = boundedText(scrub, text, 30);
    expect(bounded).not.toContain(PASSWORD.slice(0, 4));
    expect(bounded.length).toBeLessThanOrEqual(31);
  });

  it('replaces control and unusual characters and collapses whitespace', () => {
    expect(boundedText(scrub, 'v1\r\n"forged":\u0000 \u202e 470', 100)).toBe('v1 "forged":? ? 470');
  });
});
