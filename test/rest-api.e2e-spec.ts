import { getJson, postJson, startTestServer, type TestServer } from './support/app-harness.js';

describe('REST API (e2e)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    await server.close();
  });

  it('lists the registered tools with their published schemas', async () => {
    const { status, body } = await postJson(`${server.url}/api/tools/list`, {});
    expect(status).toBe(200);
    const names = body.tools.map((tool: { name: string }) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['test_echo', 'test_fail', 'test_slow']));
    const echo = body.tools.find((tool: { name: string }) => tool.name === 'test_echo');
    expect(echo.inputSchema).toMatchObject({ type: 'object', required: ['message'] });
    expect(echo.annotations).toEqual({ readOnlyHint: true, idempotentHint: true, openWorldHint: false });
    expect(echo).not.toHaveProperty('handler');
  });

  it('executes a tool and returns the MCP CallToolResult with defaults applied', async () => {
    const { status, body } = await postJson(`${server.url}/api/tools/execute`, { tool: 'test_echo', params: { message: 'hi' } });
    expect(status).toBe(200);
    expect(body).toEqual({ content: [{ type: 'text', text: 'hi' }], structuredContent: { echoed: 'hi', repeat: 1 } });
  });

  it('answers 400 naming the failing field when arguments break the tool schema', async () => {
    const { status, body } = await postJson(`${server.url}/api/tools/execute`, { tool: 'test_echo', params: { message: 'hi', repeat: 9 } });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ status: 400, code: 'invalid_arguments' });
    expect(body.error.fields).toEqual([{ field: 'repeat', message: 'must be <= 5' }]);
  });

  it('answers 400 from DTO validation for a malformed body', async () => {
    const { status, body } = await postJson(`${server.url}/api/tools/execute`, { tool: 42, extra: true });
    expect(status).toBe(400);
    expect(body.error.code).toBe('invalid_request');
    expect([...new Set(body.error.fields.map((f: { field: string }) => f.field))].sort()).toEqual(['extra', 'tool']);
  });

  it('answers 400 for unparseable JSON with the same error shape', async () => {
    const response = await fetch(`${server.url}/api/tools/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"tool": ',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: unknown }).error).toMatchObject({ status: 400, code: 'invalid_request' });
  });

  it('answers 404 for an unknown tool', async () => {
    const { status, body } = await postJson(`${server.url}/api/tools/execute`, { tool: 'no_such_tool' });
    expect(status).toBe(404);
    expect(body.error).toMatchObject({ status: 404, code: 'not_found' });
    expect(body.error.message).toContain('test_echo');
  });

  it.each([
    ['upstream', 502],
    ['timeout', 504],
    ['crash', 500],
  ])('maps a %s tool failure to HTTP %i without leaking internals', async (kind, expected) => {
    const { status, body } = await postJson(`${server.url}/api/tools/execute`, { tool: 'test_fail', params: { kind } });
    expect(status).toBe(expected);
    expect(body.isError).toBe(true);
    expect(body.error.status).toBe(expected);
    expect(JSON.stringify(body)).not.toContain('internal detail');
  });

  it('answers 503 naming the settings for capabilities that are not configured', async () => {
    const { status, body } = await getJson(`${server.url}/api/xdp/datastores`);
    expect(status).toBe(503);
    expect(body.error.message).toContain('XDP_BASE_URL');
  });

  // The XDP tool's own schema judges its parameters (test/contract.e2e-spec.ts); without XDP there is no tool to ask.
  it('answers 503 for an unconfigured capability whatever its parameters', async () => {
    const { status, body } = await getJson(`${server.url}/api/xdp/datastores?size=500&page=-1`);
    expect(status).toBe(503);
    expect(body.error.code).toBe('unavailable');
  });

  it('serves health, readiness, metrics and the OpenAPI document', async () => {
    expect((await getJson(`${server.url}/health`)).status).toBe(200);
    const ready = await getJson(`${server.url}/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ok');
    expect(ready.body.details).toEqual({ server: { status: 'up', phase: 'ready' } });
    const metrics = await getJson(`${server.url}/metrics`);
    expect(metrics.body).toContain('xdp_mcp_tool_calls_total{tool="test_echo",transport="rest",outcome="success"}');
    const openapi = await getJson(`${server.url}/api/docs-json`);
    expect(Object.keys(openapi.body.paths)).toEqual(
      expect.arrayContaining(['/api/tools/list', '/api/tools/execute', '/api/xdp/datastores', '/api/trino/query']),
    );
    expect(Object.keys(openapi.body.paths['/api/tools/execute'].post.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '404', '429', '502', '503', '504']),
    );
  });

  it("captures each test server's logs separately", async () => {
    const second = await startTestServer({ env: { LOG_LEVEL: 'info' } });
    try {
      await postJson(`${second.url}/api/tools/execute`, { tool: 'test_fail', params: { kind: 'crash' } });
      expect(second.logs()).toContain('failed unexpectedly');
    } finally {
      await second.close();
    }
  });
});
