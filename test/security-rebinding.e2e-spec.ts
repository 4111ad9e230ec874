import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from './support/app-harness.js';

const TOKEN = 'rebinding-e2e-static-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'rebinding-e2e', version: '0' } },
});
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

interface Reply {
  status: number;
  body: string;
}

/** A raw request with the Host header we choose (fetch would not let us set Host). */
async function send(server: TestServer, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  const url = new URL(server.url);
  const request = httpRequest({ host: url.hostname, port: url.port, method, path, headers });
  request.end(body);
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return { status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') };
}

/** Opens a raw `ws` connection with the given headers: opened, or refused with an HTTP status. */
async function upgrade(server: TestServer, headers: Record<string, string>): Promise<{ opened: boolean; status?: number }> {
  const socket = new WebSocket(server.wsUrl, 'mcp', { headers });
  socket.on('error', () => undefined);
  const outcome = await Promise.race([
    once(socket, 'open').then(() => ({ opened: true })),
    once(socket, 'unexpected-response').then((args) => ({ opened: false, status: (args[1] as IncomingMessage).statusCode })),
  ]);
  socket.terminate();
  return outcome;
}

describe('DNS-rebinding rule on /mcp, /api and /ws (e2e)', () => {
  describe('direct (no proxy), ALLOWED_HOSTS=mcp.example.com', () => {
    let server: TestServer;
    let local: string;

    beforeAll(async () => {
      server = await startTestServer({
        env: { MCP_AUTH_TOKEN: TOKEN, ALLOWED_HOSTS: 'mcp.example.com', CORS_ORIGINS: 'https://app.example.com' },
      });
      local = `localhost:${new URL(server.url).port}`;
    });

    afterAll(async () => {
      await server.close();
    });

    it('serves Host and Origin localhost:<port> on /mcp, /api and the /ws upgrade', async () => {
      const headers = { ...AUTH, host: local, origin: `http://${local}` };
      const mcp = await send(server, 'POST', '/mcp', { ...MCP_HEADERS, ...headers }, INITIALIZE);
      expect(mcp.status).toBe(200);
      expect(mcp.body).toContain('"protocolVersion"');
      expect((await send(server, 'POST', '/api/tools/list', headers)).status).toBe(200);
      expect(await upgrade(server, headers)).toEqual({ opened: true });
    });

    it('refuses Host and Origin evil.example.com with 403 on /mcp, /api and the /ws upgrade, naming ALLOWED_HOSTS', async () => {
      const headers = { ...AUTH, host: 'evil.example.com', origin: 'http://evil.example.com' };
      const mcp = await send(server, 'POST', '/mcp', { ...MCP_HEADERS, ...headers }, INITIALIZE);
      expect(mcp.status).toBe(403);
      expect(JSON.parse(mcp.body)).toEqual({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32600, message: 'Host evil.example.com is not allowed: add it to ALLOWED_HOSTS' },
      });
      const api = await send(server, 'POST', '/api/tools/list', headers);
      expect(api.status).toBe(403);
      expect(JSON.parse(api.body).error).toMatchObject({ status: 403, code: 'host_not_allowed' });
      expect(await upgrade(server, headers)).toEqual({ opened: false, status: 403 });
    });

    it('refuses evil.example.com as Origin on a localhost Host, on every entrance', async () => {
      const headers = { ...AUTH, host: local, origin: 'http://evil.example.com' };
      expect((await send(server, 'POST', '/mcp', { ...MCP_HEADERS, ...headers }, INITIALIZE)).status).toBe(403);
      expect(JSON.parse((await send(server, 'POST', '/api/tools/list', headers)).body).error).toMatchObject({ code: 'origin_not_allowed' });
      expect(await upgrade(server, headers)).toEqual({ opened: false, status: 403 });
    });

    it('decides before authentication and body parsing: no token and an unparsable body still get the 403', async () => {
      const refused = await send(server, 'POST', '/mcp', { ...MCP_HEADERS, host: 'evil.example.com' }, '{not json');
      expect(refused.status).toBe(403);
      expect(refused.body).toContain('ALLOWED_HOSTS');
      // The same request on an allowed Host gets past the rule, to the body parser (400) and, with a body, to authentication (401).
      expect((await send(server, 'POST', '/mcp', { ...MCP_HEADERS, host: local }, '{not json')).status).toBe(400);
      expect((await send(server, 'POST', '/mcp', { ...MCP_HEADERS, host: local }, INITIALIZE)).status).toBe(401);
    });

    it('serves a name listed in ALLOWED_HOSTS, but a localhost Origin only on a localhost Host', async () => {
      const headers = { ...MCP_HEADERS, ...AUTH, host: 'mcp.example.com' };
      expect((await send(server, 'POST', '/mcp', headers, INITIALIZE)).status).toBe(200);
      expect((await send(server, 'POST', '/mcp', { ...headers, origin: 'https://app.example.com' }, INITIALIZE)).status).toBe(200);
      expect((await send(server, 'POST', '/mcp', { ...headers, origin: `http://${local}` }, INITIALIZE)).status).toBe(403);
      expect(await upgrade(server, { ...AUTH, host: 'mcp.example.com' })).toEqual({ opened: true });
    });

    it('ignores X-Forwarded-Host without TRUST_PROXY: the pod address stays refused', async () => {
      const headers = { ...MCP_HEADERS, ...AUTH, host: '10.1.2.3:8080', 'x-forwarded-host': 'mcp.example.com' };
      expect((await send(server, 'POST', '/mcp', headers, INITIALIZE)).status).toBe(403);
    });

    it('keeps probes and metrics answering under the pod IP (kubelet, Prometheus)', async () => {
      for (const path of ['/health', '/ready', '/metrics']) {
        expect({ path, status: (await send(server, 'GET', path, { host: '10.1.2.3:8080' })).status }).toEqual({ path, status: 200 });
      }
    });
  });

  describe('behind a trusted proxy (TRUST_PROXY=true)', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer({ env: { MCP_AUTH_TOKEN: TOKEN, ALLOWED_HOSTS: 'mcp.example.com', TRUST_PROXY: 'true' } });
    });

    afterAll(async () => {
      await server.close();
    });

    it('judges X-Forwarded-Host: the public name is served, any other refused, on /mcp and the /ws upgrade', async () => {
      const viaIngress = { ...AUTH, host: '10.1.2.3:8080', 'x-forwarded-host': 'mcp.example.com', 'x-forwarded-proto': 'https' };
      expect((await send(server, 'POST', '/mcp', { ...MCP_HEADERS, ...viaIngress }, INITIALIZE)).status).toBe(200);
      expect(await upgrade(server, viaIngress)).toEqual({ opened: true });
      const rebound = { ...viaIngress, 'x-forwarded-host': 'evil.example.com' };
      expect((await send(server, 'POST', '/mcp', { ...MCP_HEADERS, ...rebound }, INITIALIZE)).status).toBe(403);
      expect(await upgrade(server, rebound)).toEqual({ opened: false, status: 403 });
    });
  });
});
