import { createServer } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from './support/app-harness.js';
import { FixtureToolsModule } from './support/fixture-tools.module.js';
import { RpcSocket } from './support/rpc-socket.js';
import { AUDIENCE, auditLines, hsToken, ISSUER, JWT_SECRET, SqlProbeModule } from './support/security-fixtures.js';

const SECRETS = {
  staticToken: 'redaction-static-token-7f3a9c1e5b2d',
  otherStaticToken: 'redaction-static-token-second-4e8b',
  jwtSecret: JWT_SECRET,
  xdpAccessKey: 'xdp-access-key-AKIA-redaction-0042',
  xdpSecretKey: 'xdp-secret-key-wJalrXUtnFEMI-redaction',
  trinoPassword: 'trino-password-redaction-9931',
};

/** A port nothing listens on: XDP calls fail fast with a connection error. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** A secret leaks in disguise too: URL-encoded, base64 (padding dropped, as inside a longer value) and base64url. */
function disguises(secret: string): Record<string, string> {
  return {
    urlEncoded: encodeURIComponent(secret),
    base64: Buffer.from(secret).toString('base64').replace(/=+$/, ''),
    base64url: Buffer.from(secret).toString('base64url'),
  };
}

describe('Secrets never reach logs or responses (e2e, every entrance)', () => {
  let server: TestServer;
  let jwt: string;
  let xdpHost: string;
  const responses: string[] = [];

  /** Records status, headers and body of every HTTP answer the test sees. */
  async function http(path: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
    const response = await fetch(`${server.url}${path}`, init);
    const text = await response.text();
    responses.push(`${response.status} ${JSON.stringify([...response.headers])} ${text}`);
    return { status: response.status, text };
  }

  beforeAll(async () => {
    (globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
    server = await startTestServer({
      env: {
        MCP_AUTH_TOKEN: `${SECRETS.staticToken},${SECRETS.otherStaticToken}`,
        AUTH_JWT_SECRET: SECRETS.jwtSecret,
        AUTH_JWT_ISSUER: ISSUER,
        AUTH_JWT_AUDIENCE: AUDIENCE,
        XDP_BASE_URL: `http://${(xdpHost = `127.0.0.1:${await closedPort()}`)}/xdp-cp-service/api`,
        XDP_ACCESS_KEY: SECRETS.xdpAccessKey,
        XDP_SECRET_KEY: SECRETS.xdpSecretKey,
        XDP_TIMEOUT_MS: '500',
        TRINO_PASSWORD: SECRETS.trinoPassword,
        LOG_LEVEL: 'debug',
      },
      imports: [FixtureToolsModule, SqlProbeModule],
    });
    jwt = await hsToken({ subject: 'redaction-user' });
  });

  afterAll(async () => {
    await server.close();
  });

  it('runs a full session over REST, /mcp and /ws, then finds no secret in any log line or response', async () => {
    const json = (token?: string) => ({ 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) });
    // REST: good and bad credentials, a token in the URL (logged by the request logger), an XDP call that fails upstream.
    await http('/api/tools/list', { method: 'POST', headers: json(SECRETS.staticToken), body: '{}' });
    await http('/api/tools/execute', {
      method: 'POST',
      headers: json(jwt),
      body: JSON.stringify({ tool: 'test_sql', params: { query: `select '${SECRETS.xdpSecretKey}'` } }),
    });
    await http('/api/tools/execute', { method: 'POST', headers: json(`${SECRETS.staticToken}x`), body: '{}' });
    await http(`/api/tools/list?access_token=${SECRETS.otherStaticToken}`, { method: 'POST', headers: json(), body: '{}' });
    await http('/api/tools/execute', { method: 'POST', headers: json(await hsToken({ expiresIn: -999 })), body: '{}' });
    await http('/api/xdp/datastores', { headers: { authorization: `Bearer ${SECRETS.staticToken}` } });
    await http('/api/tools/execute', {
      method: 'POST',
      headers: json(jwt),
      body: JSON.stringify({ tool: 'test_fail', params: { kind: 'crash' } }),
    });

    // /mcp with the official SDK client, JWT in the header.
    const client = new Client({ name: 'redaction', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${jwt}` } } }),
    );
    responses.push(JSON.stringify(await client.listTools()));
    responses.push(JSON.stringify(await client.callTool({ name: 'xdp_list_datastores', arguments: {} })));
    responses.push(JSON.stringify(await client.callTool({ name: 'test_echo', arguments: { message: 'over mcp' } })));
    await client.close();

    // /ws with the token in the query string (browser style), plus a refused upgrade carrying a wrong one.
    const socket = await RpcSocket.open(`${server.wsUrl}?access_token=${encodeURIComponent(jwt)}`);
    responses.push(JSON.stringify(await socket.request({ method: 'tools/call', params: { name: 'xdp_list_dataplanes', arguments: {} } })));
    responses.push(
      JSON.stringify(await socket.request({ method: 'tools/call', params: { name: 'test_echo', arguments: { message: 'over ws' } } })),
    );
    socket.socket.close();
    await expect(RpcSocket.open(`${server.wsUrl}?access_token=${SECRETS.staticToken}-wrong`)).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 200));

    const logs = server.logs();
    // The capture is real: every entrance left its lines, and the URL token was scrubbed, not dropped.
    const transports = new Set(auditLines(logs).map((line) => line.transport));
    expect([...transports].sort()).toEqual(['mcp-http', 'rest', 'ws']);
    expect(logs).toContain('"url":"/api/tools/list?access_token=[REDACTED]"');
    expect(responses.join('\n')).toContain('over ws');

    for (const [name, value] of Object.entries({ ...SECRETS, jwt })) {
      expect({ name, inLogs: logs.includes(value) }).toEqual({ name, inLogs: false });
      expect({ name, inResponses: responses.join('\n').includes(value) }).toEqual({ name, inResponses: false });
    }
    // Encoded forms of the configured secrets, and the internal XDP address the failing calls went to.
    const disguised = Object.entries(SECRETS).flatMap(([name, value]) =>
      Object.entries(disguises(value)).map(([form, text]) => [`${name} ${form}`, text] as const),
    );
    for (const [name, value] of [...disguised, ['internal XDP address', xdpHost] as const]) {
      expect({ name, inLogs: logs.includes(value), inResponses: responses.join('\n').includes(value) }).toEqual({
        name,
        inLogs: false,
        inResponses: false,
      });
    }
  });
});
