import { postJson, startTestServer, type TestServer } from './support/app-harness.js';

/** What an operator reads per refused request: one short line with the status, not the response headers. */
describe('request log lines (e2e)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { MCP_AUTH_TOKEN: 'request-log-token-0123456789' } });
  });

  afterAll(async () => {
    await server.close();
  });

  it('logs a 4xx as one concise line: method, url and status, no response headers', async () => {
    expect((await postJson(`${server.url}/api/tools/list`, {})).status).toBe(401);
    const lines = server
      .logs()
      .split('\n')
      .filter((line) => line.includes('"url":"/api/tools/list"'));
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]) as { level: number; req: Record<string, unknown>; res: Record<string, unknown> };
    expect(entry.level).toBe(40);
    expect(entry.res).toEqual({ statusCode: 401 });
    expect(entry.req).toMatchObject({ method: 'POST', url: '/api/tools/list' });
    expect(lines[0]).not.toContain('content-security-policy');
    expect(lines[0].length).toBeLessThan(400);
  });
});
