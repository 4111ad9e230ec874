import { postJson, startTestServer, type TestServer, getJson } from './support/app-harness.js';
import { FixtureToolsModule } from './support/fixture-tools.module.js';
import { asymmetricToken, AUDIENCE, hsToken, ISSUER, JwksServer, signingKey, type SigningKey } from './support/security-fixtures.js';

const echo = { tool: 'test_echo', params: { message: 'hi' } };
const AUTHORIZATION_SERVER = 'https://login.example.com/realms/xdp';

describe('JWT validation against a remote JWKS (e2e)', () => {
  const jwks = new JwksServer();
  let server: TestServer;
  let rsa: SigningKey;
  let ec: SigningKey;

  beforeAll(async () => {
    [rsa, ec] = await Promise.all([signingKey('rsa-1', 'RS256'), signingKey('ec-1', 'ES256')]);
    jwks.keys = [rsa.publicJwk, ec.publicJwk];
    const jwksUrl = await jwks.start();
    server = await startTestServer({
      env: {
        AUTH_JWKS_URL: jwksUrl,
        AUTH_JWT_ISSUER: ISSUER,
        AUTH_JWT_AUDIENCE: `other-api,${AUDIENCE}`,
        // No pause between key set fetches, so rotation is visible at once in the test.
        AUTH_JWKS_COOLDOWN_SECONDS: '0',
        AUTH_AUTHORIZATION_SERVERS: AUTHORIZATION_SERVER,
      },
      imports: [FixtureToolsModule],
    });
  });

  afterAll(async () => {
    await server.close();
    await jwks.stop().catch(() => undefined);
  });

  const call = async (token: string) => postJson(`${server.url}/api/tools/execute`, echo, { authorization: `Bearer ${token}` });

  it('accepts RS256 and ES256 tokens, fetching the key set once and caching it', async () => {
    expect((await call(await asymmetricToken(rsa))).status).toBe(200);
    expect((await call(await asymmetricToken(ec))).status).toBe(200);
    expect((await call(await asymmetricToken(rsa, { subject: 'bob' }))).status).toBe(200);
    expect(jwks.fetches).toBe(1);
  });

  it('accepts any of the configured audiences and refuses others', async () => {
    expect((await call(await asymmetricToken(rsa, { audience: 'other-api' }))).status).toBe(200);
    const refused = await call(await asymmetricToken(rsa, { audience: 'unrelated' }));
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toContain('"aud"');
  });

  it('refuses an HS256 token (algorithm confusion) and an expired one', async () => {
    const hs = await call(await hsToken({}, 'some-shared-secret-of-enough-length-0123'));
    expect(hs.status).toBe(401);
    expect(hs.body.error.message).toContain('algorithm');
    expect((await call(await asymmetricToken(rsa, { expiresIn: -3600 }))).status).toBe(401);
  });

  it('refetches the key set for an unknown kid, so a rotated-in key works without a restart', async () => {
    const rotated = await signingKey('rsa-2', 'RS256');
    const before = jwks.fetches;
    const unknown = await call(await asymmetricToken(rotated));
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.message).toContain('matches no key');
    expect(jwks.fetches).toBe(before + 1);
    jwks.keys = [...jwks.keys, rotated.publicJwk];
    expect((await call(await asymmetricToken(rotated))).status).toBe(200);
  });

  it('publishes the configured authorization servers in the protected-resource metadata', async () => {
    const { body } = await getJson(`${server.url}/.well-known/oauth-protected-resource/mcp`);
    expect(body.authorization_servers).toEqual([AUTHORIZATION_SERVER]);
  });

  it('answers 401 "cannot be verified" and warns the operator when the key set is unreachable', async () => {
    await jwks.stop();
    const unreachable = await call(await asymmetricToken(await signingKey('rsa-3', 'RS256')));
    expect(unreachable.status).toBe(401);
    expect(unreachable.body.error.message).toContain('Token cannot be verified');
    expect(server.logs()).toContain('Cannot verify any token — the identity provider key set (AUTH_JWKS_URL) is unavailable');
    // Keys fetched earlier stay usable while the identity provider is down.
    expect((await call(await asymmetricToken(ec))).status).toBe(200);
  });
});
