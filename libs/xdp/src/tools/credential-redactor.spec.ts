import fc from 'fast-check';
import { REDACTED, redactCredentials } from './credential-redactor.js';

describe('redactCredentials', () => {
  it('redacts credential-like keys case-insensitively, at any depth and inside arrays', () => {
    const config = {
      url: 's3://bucket/sales',
      region: 'eu-west-1',
      accessKeyId: 'AKIA1',
      SecretAccessKey: 's1',
      PASSWORD: 'p1',
      auth: { bearerToken: 't1', user: 'reader', nested: [{ clientCredential: 'c1' }, { keep: 'me' }] },
      credentials: { anything: 'x' },
      ports: [1, 2],
    };
    expect(redactCredentials(config)).toEqual({
      url: 's3://bucket/sales',
      region: 'eu-west-1',
      accessKeyId: REDACTED,
      SecretAccessKey: REDACTED,
      PASSWORD: REDACTED,
      auth: { bearerToken: REDACTED, user: 'reader', nested: [{ clientCredential: REDACTED }, { keep: 'me' }] },
      credentials: REDACTED,
      ports: [1, 2],
    });
  });

  it('redacts credentials embedded in URL strings', () => {
    expect(redactCredentials({ url: 'https://reader:hunter2@db.example.com/x?sig=1&api_key=abc&sas_token=def#top' })).toEqual({
      url: `https://${REDACTED}@db.example.com/x?sig=${REDACTED}&api_key=${REDACTED}&sas_token=${REDACTED}#top`,
    });
  });

  describe('catches every planted credential shape while non-secret config stays visible', () => {
    const PLANTED = 'PLANTED-s3cr3t-9f1c';
    it.each([
      ['libpq DSN', { dsn: `host=db.example.com port=5432 user=reader password=${PLANTED} dbname=sales` }],
      ['libpq DSN, quoted password', { conninfo: `host=db.example.com password='${PLANTED} x' dbname=sales` }],
      ['JDBC URL with user:pw@', { jdbcUrl: `jdbc:postgresql://reader:${PLANTED}@db.example.com:5432/sales` }],
      ['JDBC URL with password= parameter', { url: `jdbc:mysql://db.example.com:3306/sales?user=reader&password=${PLANTED}` }],
      ['Authorization: Basic header line', { headers: [`Authorization: Basic ${PLANTED}`, 'Host: db.example.com'] }],
      ['Authorization header field', { httpHeaders: { Authorization: `Bearer ${PLANTED}`, Host: 'db.example.com' } }],
      ['pwd key', { host: 'db.example.com', pwd: PLANTED }],
      ['passwd key', { host: 'db.example.com', passwd: PLANTED }],
      ['pass key', { host: 'db.example.com', pass: PLANTED }],
      ['auth key', { host: 'db.example.com', auth: `reader:${PLANTED}` }],
      ['bearer key', { host: 'db.example.com', bearer: PLANTED }],
      ['cookie key', { host: 'db.example.com', cookie: `session=${PLANTED}` }],
      [
        'presigned X-Amz-Signature',
        { url: `https://bucket.s3.amazonaws.com/db.example.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=${PLANTED}` },
      ],
      ['presigned sig=', { url: `https://acct.blob.core.windows.net/db.example.com?sv=2021-08-06&sig=${PLANTED}` }],
      ['user:pw@host without a scheme', { address: `reader:${PLANTED}@db.example.com:5432` }],
      ['JSON inside a string', { options: `{"host":"db.example.com","password":"${PLANTED}"}` }],
      ['ADO.NET connection string', { connectionString: `Server=db.example.com;User Id=reader;Password=${PLANTED};` }],
      ['a JWT in a free-text field', { note: `use eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.${PLANTED}`, host: 'db.example.com' }],
    ])('%s', (_shape, config) => {
      const redacted = JSON.stringify(redactCredentials(config));
      expect(redacted).not.toContain(PLANTED);
      expect(redacted).toContain(REDACTED);
      expect(redacted).toContain('db.example.com');
    });
  });

  it('keeps plain settings visible, also inside an auth object', () => {
    const config = {
      url: 's3://bucket/sales',
      region: 'eu-west-1',
      auth: { type: 'iam', user: 'reader' },
      schedule: '0 12 * * *',
      format: 'parquet',
    };
    expect(redactCredentials(config)).toEqual(config);
  });

  it('keeps a __proto__ key from XDP as plain data', () => {
    const redacted = redactCredentials(JSON.parse('{"__proto__": {"token": "t", "polluted": true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(redacted)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(redacted, '__proto__')?.value).toEqual({ token: REDACTED, polluted: true });
  });

  it('does not modify its input', () => {
    const config = { password: 'p', inner: { token: 't' } };
    redactCredentials(config);
    expect(config).toEqual({ password: 'p', inner: { token: 't' } });
  });

  it('never lets a value under a credential-like key through, whatever the structure', () => {
    const marker = 'MARKER-0f9e';
    const credentialKey = fc.constantFrom('password', 'Secret', 'apiKey', 'TOKEN', 'credential', 'db_Password_2');
    const plainKey = fc.constantFrom('url', 'region', 'name', 'options', 'port');
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        fc.integer(),
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(plainKey, tie('node'), { maxKeys: 3 }),
        fc.tuple(credentialKey, tie('node')).map(([key, value]) => ({ [key]: { marker, value } })),
        credentialKey.map((key) => ({ [key]: marker })),
      ),
    })).node;
    fc.assert(fc.property(tree, (value) => !JSON.stringify(redactCredentials(value)).includes(marker)));
  });
});
