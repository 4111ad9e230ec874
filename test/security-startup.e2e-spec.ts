import { existsSync } from 'node:fs';
import { ConfigValidationError, loadAppConfig } from '#config';
import { getJson, postJson, startTestServer, type TestServer } from './support/app-harness.js';
import { auditLines } from './support/security-fixtures.js';
import { runToExit } from './support/spawned-server.js';

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
      expect(auditLines(server.logs()).find((line) => line.tool === 'test_echo')).toMatchObject({ principal: 'anonymous', outcome: 'success' });
    });

    it('sends no CORS headers with an empty CORS_ORIGINS and publishes no OAuth metadata', async () => {
      const response = await fetch(`${server.url}/api/tools/list`, { method: 'POST', headers: { origin: 'https://app.example.com' } });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect((await getJson(`${server.url}/.well-known/oauth-protected-resource`)).status).toBe(404);
    });
  });

  describe('in production', () => {
    it('refuses the configuration, naming every way to fix it', () => {
      let caught: unknown;
      try {
        loadAppConfig({ NODE_ENV: 'production' });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigValidationError);
      const message = (caught as Error).message;
      for (const name of ['MCP_AUTH_TOKEN', 'AUTH_JWT_SECRET', 'AUTH_JWKS_URL', 'AUTH_MODE=none']) expect(message).toContain(name);
    });

    it('refuses to start the real entry point: exit code 1 and the reason on stderr', async () => {
      expect(existsSync(MAIN)).toBe(true); // built by `npm test` (npm run build) before jest runs
      const { code, stdout, stderr } = await runToExit(MAIN, { NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1' });
      expect(code).toBe(1);
      expect(stderr).toContain('NODE_ENV=production requires authentication');
      expect(stderr).toContain('AUTH_MODE=none');
      expect(stdout).toBe('');
    });

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

