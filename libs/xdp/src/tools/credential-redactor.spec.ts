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
      url: `https://${REDACTED}@db.example.com/x?sig=1&api_key=${REDACTED}&sas_token=${REDACTED}#top`,
    });
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
