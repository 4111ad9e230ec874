import { existsSync } from 'node:fs';
import { AUTH_NOT_CONFIGURED_MESSAGE } from '#security';
import { getJson, postJson, startTestServer, type TestServer } from './support/app-harness.js';
import { auditLines } from './support/security-fixtures.js';
import { outputContaining, spawnServer } from './support/spawned-server.js';

const MAIN = 'dist/apps/xdp-mcp-server/main.js';

describe('Safe default without configured authentication (e2e)', () => {
  describe('in development', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer({ env: { NODE_ENV: 'development' } });
    });

    afterAll(async () => {
      await server.close();
    });

    it('starts with a loud warning and serves callers as anonymous', async () => {
      expect(server.logs()).toContain('AUTHENTICATION IS NOT CONFIGURED');
      const { status } = await postJson(`${server.url}/api/tools/execute`, { tool: 'test_echo', params: { message: 'hi' } });
      expect(status).toBe(200);
      expect(auditLines(server.logs()).find((line) => line.tool === 'test_echo')).toMatchObject({
        principal: 'anonymous',
        outcome: 'success',
      });
    });

    it('sends no CORS headers with an empty CORS_ORIGINS and publishes no OAuth metadata', async () => {
      const response = await fetch(`${server.url}/api/tools/list`, { method: 'POST', headers: { origin: 'https://app.example.com' } });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect((await getJson(`${server.url}/.well-known/oauth-protected-resource`)).status).toBe(404);
    });
  });

  describe('in production', () => {
    it('starts the real entry point locked: ready, warned, and every client request refused with 401 naming the fixes', async () => {
      expect(existsSync(MAIN)).toBe(true); // built by `npm test` (npm run build) before jest runs
      const server = await spawnServer(MAIN, { NODE_ENV: 'production', AUTH_MODE: '' });
      try {
        const ready = (await (await fetch(`${server.url}/ready`)).json()) as {
          dependencies: Record<string, { status: string; state: string }>;
        };
        expect(ready.dependencies.clientAuthentication).toMatchObject({ status: 'down', state: 'locked' });
        await outputContaining(server, AUTH_NOT_CONFIGURED_MESSAGE);
        const { status, body } = await postJson(`${server.url}/api/tools/list`, {});
        expect(status).toBe(401);
        for (const name of ['MCP_AUTH_TOKEN', 'xdp-mcp-secrets', 'AUTH_JWT_SECRET', 'AUTH_JWKS_URL', 'AUTH_MODE=none'])
          expect(JSON.stringify(body)).toContain(name);
      } finally {
        server.child.kill('SIGTERM');
        await server.exit;
      }
    }, 60_000);

    it('starts when AUTH_MODE=none says so explicitly', async () => {
      const server = await startTestServer({ env: { NODE_ENV: 'production', AUTH_MODE: 'none' } });
      try {
        const { status } = await postJson(`${server.url}/api/tools/execute`, { tool: 'test_echo', params: { message: 'hi' } });
        expect(status).toBe(200);
      } finally {
        await server.close();
      }
    });

    it('starts with a static token', async () => {
      const token = 'production-token-0123456789abcdef';
      const server = await startTestServer({ env: { NODE_ENV: 'production', MCP_AUTH_TOKEN: token } });
      try {
        expect((await postJson(`${server.url}/api/tools/list`, {})).status).toBe(401);
        expect((await postJson(`${server.url}/api/tools/list`, {}, { authorization: `Bearer ${token}` })).status).toBe(200);
      } finally {
        await server.close();
      }
    });
  });
});
