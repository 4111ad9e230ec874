import { SignJWT } from 'jose';
import { getJson, postJson, startTestServer, type TestServer } from './support/app-harness.js';
import { FixtureToolsModule } from './support/fixture-tools.module.js';
import { AUDIENCE, auditLines, hsToken, ISSUER, JWT_SECRET, SqlProbeModule } from './support/security-fixtures.js';

const STATIC_TOKEN = 'static-e2e-token-aaaaaaaaaaaaaaaa';
const OTHER_STATIC_TOKEN = 'static-e2e-token-bbbbbbbbbbbbbbbb';

const echo = { tool: 'test_echo', params: { message: 'hi' } };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('Security on REST /api (e2e)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        MCP_AUTH_TOKEN: `${STATIC_TOKEN},${OTHER_STATIC_TOKEN}`,
        AUTH_JWT_SECRET: JWT_SECRET,
        AUTH_JWT_ISSUER: ISSUER,
        AUTH_JWT_AUDIENCE: AUDIENCE,
        AUTH_TOOL_SCOPES: 'test_echo=echo:use,test_sql=sql:read',
        CORS_ORIGINS: 'https://app.example.com',
      },
      imports: [FixtureToolsModule, SqlProbeModule],
    });
  });

  afterAll(async () => {
    await server.close();
  });

  describe('authentication', () => {
    it('answers 401 with a Bearer challenge pointing at the OAuth metadata when no token is sent', async () => {
      const { status, body, headers } = await postJson(`${server.url}/api/tools/execute`, echo);
      expect(status).toBe(401);
      expect(body).toEqual({ error: { status: 401, code: 'unauthorized', message: expect.stringContaining('Authorization: Bearer') } });
      const challenge = headers.get('www-authenticate');
      expect(challenge).toMatch(/^Bearer /);
      expect(challenge).toContain(`resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp"`);
      expect(challenge).not.toContain('error=');
    });

    it('answers 401 invalid_token for an unknown static token', async () => {
      const { status, body, headers } = await postJson(
        `${server.url}/api/tools/execute`,
        echo,
        bearer('static-e2e-token-cccccccccccccccc'),
      );
      expect(status).toBe(401);
      expect(body.error.message).toBe('Invalid token');
      expect(headers.get('www-authenticate')).toContain('error="invalid_token"');
    });

    it('accepts each configured static token, with access to scoped tools', async () => {
      for (const token of [STATIC_TOKEN, OTHER_STATIC_TOKEN]) {
        const { status, body } = await postJson(`${server.url}/api/tools/execute`, echo, bearer(token));
        expect(status).toBe(200);
        expect(body.content[0].text).toBe('hi');
      }
    });

    it('does not accept a token in the query string outside the WebSocket upgrade', async () => {
      const { status } = await postJson(`${server.url}/api/tools/execute?access_token=${STATIC_TOKEN}`, echo);
      expect(status).toBe(401);
    });

    it('accepts a valid HS256 JWT carrying the tool scope (scope claim and scp array)', async () => {
      for (const token of [await hsToken({ scope: 'other echo:use' }), await hsToken({ scp: ['echo:use'] })]) {
        const { status } = await postJson(`${server.url}/api/tools/execute`, echo, bearer(token));
        expect(status).toBe(200);
      }
    });

    it.each([
      ['expired', () => hsToken({ expiresIn: -120 }), 'token expired'],
      ['wrong audience', () => hsToken({ audience: 'someone-else' }), 'token claim "aud" is invalid'],
      ['wrong issuer', () => hsToken({ issuer: 'https://evil.example' }), 'token claim "iss" is invalid'],
      ['wrong signature', () => hsToken({}, 'a-different-secret-that-is-also-long-enough'), 'token signature is invalid'],
      ['no expiry', () => hsToken({ withoutExpiry: true }), 'token claim "exp" is invalid'],
      [
        'no subject',
        () =>
          new SignJWT({})
            .setProtectedHeader({ alg: 'HS256' })
            .setIssuer(ISSUER)
            .setAudience(AUDIENCE)
            .setExpirationTime('5m')
            .sign(new TextEncoder().encode(JWT_SECRET)),
        'token has no subject',
      ],
      [
        'alg none',
        async () =>
          `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'mallory', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300 })}.`,
        'algorithm',
      ],
    ])('answers 401 for a JWT with %s', async (_case, mint, reason) => {
      const token = await mint();
      const { status, body, headers } = await postJson(`${server.url}/api/tools/execute`, echo, bearer(token));
      expect(status).toBe(401);
      expect(body.error.message).toContain(reason);
      expect(headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(JSON.stringify(body)).not.toContain(token);
    });

    it('tolerates expiry within the configured clock skew (default 30 s)', async () => {
      const { status } = await postJson(
        `${server.url}/api/tools/execute`,
        echo,
        bearer(await hsToken({ scope: 'echo:use', expiresIn: -10 })),
      );
      expect(status).toBe(200);
    });
  });

  describe('per-tool scopes', () => {
    it('answers 403 forbidden for a tool whose scope the token lacks, and only for that tool', async () => {
      const token = await hsToken({ scope: 'sql:read' });
      const refused = await postJson(`${server.url}/api/tools/execute`, echo, bearer(token));
      expect(refused.status).toBe(403);
      expect(refused.body.error).toEqual({ status: 403, code: 'forbidden', message: expect.stringContaining('"echo:use"') });
      const allowed = await postJson(`${server.url}/api/tools/execute`, { tool: 'test_sql', params: { query: 'select 1' } }, bearer(token));
      expect(allowed.status).toBe(200);
      const unscoped = await postJson(`${server.url}/api/tools/execute`, { tool: 'test_slow', params: { ms: 0 } }, bearer(token));
      expect(unscoped.status).toBe(200);
    });

    it('lists only the tools the caller may call', async () => {
      const names = async (token: string) =>
        ((await postJson(`${server.url}/api/tools/list`, {}, bearer(token))).body.tools as { name: string }[]).map((tool) => tool.name);
      const sqlOnly = await names(await hsToken({ scope: 'sql:read' }));
      expect(sqlOnly).toEqual(expect.arrayContaining(['test_sql', 'test_slow']));
      expect(sqlOnly).not.toContain('test_echo');
      expect(await names(await hsToken({ scope: 'sql:read echo:use' }))).toEqual(
        expect.arrayContaining(['test_sql', 'test_slow', 'test_echo']),
      );
    });
  });

  describe('open routes', () => {
    it.each(['/health', '/ready', '/metrics', '/api/docs-json', '/.well-known/oauth-protected-resource'])(
      'serves %s without a token',
      async (path) => {
        const { status } = await getJson(`${server.url}${path}`);
        expect(status).toBe(200);
      },
    );

    it('publishes RFC 9728 metadata where the challenge points', async () => {
      const { headers } = await postJson(`${server.url}/mcp`, {});
      const pointer = /resource_metadata="([^"]+)"/.exec(headers.get('www-authenticate') ?? '')?.[1];
      expect(pointer).toBe(`${server.url}/.well-known/oauth-protected-resource/mcp`);
      const { status, body } = await getJson(pointer!);
      expect(status).toBe(200);
      expect(body).toEqual({
        resource: `${server.url}/mcp`,
        authorization_servers: [ISSUER],
        bearer_methods_supported: ['header'],
        scopes_supported: ['echo:use', 'sql:read'],
        resource_name: 'XDP MCP Server',
      });
    });

    it('declares bearer auth on every /api operation in the OpenAPI document, so Swagger UI sends the token', async () => {
      const { body } = await getJson(`${server.url}/api/docs-json`);
      expect(body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      const apiOperations = Object.entries(body.paths as Record<string, Record<string, { security?: unknown }>>)
        .filter(([path]) => path.startsWith('/api/'))
        .flatMap(([, operations]) => Object.values(operations));
      expect(apiOperations.length).toBeGreaterThan(0);
      for (const operation of apiOperations) expect(operation.security).toEqual([{ bearer: [] }]);
    });

    it('still requires a token on routes that do not exist (default deny)', async () => {
      const { status } = await getJson(`${server.url}/api/not-a-route`);
      expect([401, 404]).toContain(status);
    });
  });

  describe('audit', () => {
    it('writes one Audit line per call with principal, transport, outcome and a SQL fingerprint, never argument values', async () => {
      const token = await hsToken({ subject: 'auditor-1', scope: 'sql:read' });
      const query = "SELECT * FROM customers WHERE email = 'victim@example.com'";
      await postJson(`${server.url}/api/tools/execute`, { tool: 'test_sql', params: { query } }, bearer(token));
      await postJson(
        `${server.url}/api/tools/execute`,
        { tool: 'test_sql', params: { query: query.replace('victim', 'other') } },
        bearer(token),
      );
      await postJson(`${server.url}/api/tools/execute`, echo, bearer(token));
      const lines = auditLines(server.logs()).filter((line) => line.principal === 'auditor-1');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatchObject({
        context: 'Audit',
        transport: 'rest',
        tool: 'test_sql',
        outcome: 'success',
        sqlFingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      });
      expect(lines[0].durationMs).toEqual(expect.any(Number));
      // Same statement shape, different literal: one fingerprint.
      expect(lines[1].sqlFingerprint).toBe(lines[0].sqlFingerprint);
      expect(lines[2]).toMatchObject({ tool: 'test_echo', outcome: 'forbidden', error: 'forbidden' });
      expect(server.logs()).not.toContain('victim@example.com');
    });
  });

  describe('HTTP hardening', () => {
    it('sends helmet security headers, with a CSP that lets Swagger UI run only under /api/docs', async () => {
      const api = await postJson(`${server.url}/api/tools/list`, {}, bearer(STATIC_TOKEN));
      expect(api.headers.get('x-content-type-options')).toBe('nosniff');
      expect(api.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(api.headers.get('content-security-policy')).toContain("script-src 'self';");
      expect(api.headers.get('x-powered-by')).toBeNull();
      const docs = await fetch(`${server.url}/api/docs/`);
      expect(docs.status).toBe(200);
      expect(docs.headers.get('content-security-policy')).toContain("script-src 'self' 'unsafe-inline'");
      expect(docs.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
    });

    it('answers CORS preflight for an allowed origin only', async () => {
      const preflight = (origin: string) =>
        fetch(`${server.url}/api/tools/list`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
        });
      const allowed = await preflight('https://app.example.com');
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
      const refused = await preflight('https://evil.example.com');
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
