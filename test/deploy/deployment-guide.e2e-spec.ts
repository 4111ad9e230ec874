import { once } from 'node:events';
import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import WebSocket from 'ws';
import { AUTH_NOT_CONFIGURED_MESSAGE } from '#security';
import { outputContaining, spawnServer, type SpawnedServer } from '../support/spawned-server.js';
import { findObject, plainManifestFiles, podEnvironment, readManifest } from './k8s-manifests.js';

/**
 * The deployment guide followed literally: its Secret holds only the two XDP keys, its ConfigMap
 * (step 4) sets NODE_ENV=production and XDP_BASE_URL, then `kubectl apply -f k8s/`. No client
 * token anywhere. The pod must start, stay up and answer probes, and refuse every client request
 * with a 401 that says how to configure authentication — locked, never open, never crash-looping.
 */

const MAIN = 'dist/apps/xdp-mcp-server/main.js';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The guide's step 4 ConfigMap; the XDP URL points at a closed loopback port so nothing leaves the machine. */
function operatorConfigMap(xdpBaseUrl: string): Record<string, string> {
  return { NODE_ENV: 'production', LOG_LEVEL: 'info', XDP_BASE_URL: xdpBaseUrl, PORT: '8080' };
}

/** The guide's step 3 Secret. */
const GUIDE_SECRET = { XDP_ACCESS_KEY: 'guide-access-key-0123', XDP_SECRET_KEY: 'guide-secret-key-4567' };

function expectNamesTheFix(message: unknown): void {
  for (const name of ['MCP_AUTH_TOKEN', 'xdp-mcp-secrets', 'AUTH_JWT_SECRET', 'AUTH_JWKS_URL']) expect(String(message)).toContain(name);
}

describe('deployment guide, followed literally (kubectl apply -f k8s/ + its ConfigMap and Secret)', () => {
  let environment: Record<string, string>;
  let xdpBaseUrl: string;
  let server: SpawnedServer;

  beforeAll(async () => {
    expect(existsSync(MAIN)).toBe(true); // built by `npm test` (npm run build) before jest runs
    xdpBaseUrl = `http://127.0.0.1:${await closedPort()}`;
    // Exactly the files `kubectl apply -f k8s/` reads.
    const objects = plainManifestFiles().flatMap(readManifest);
    const container = findObject(objects, 'Deployment', 'xdp-mcp-server').spec.template.spec.containers[0];
    const shipped = Object.fromEntries(
      objects.filter((object) => object.kind === 'ConfigMap').map((object) => [object.metadata.name, object.data]),
    );
    environment = podEnvironment(
      container,
      { ...shipped, 'xdp-mcp-config': operatorConfigMap(xdpBaseUrl) },
      { 'xdp-mcp-secrets': GUIDE_SECRET },
    );
    // The pod's own port is 8080; here it must not collide with anything, so spawnServer picks one.
    const { PORT: _podPort, ...settings } = environment;
    server = await spawnServer(MAIN, { ...settings, AUTH_MODE: environment.AUTH_MODE ?? '' });
  }, 60_000);

  afterAll(async () => {
    if (!server) return;
    server.child.kill('SIGTERM');
    await server.exit;
  });

  it("resolves the pod environment: the operator's XDP_BASE_URL survives the shipped defaults, and no client token exists", () => {
    expect(environment).toMatchObject({ NODE_ENV: 'production', XDP_BASE_URL: xdpBaseUrl, PORT: '8080', ...GUIDE_SECRET });
    expect(environment.MCP_AUTH_TOKEN).toBeUndefined();
    expect(environment.AUTH_MODE).toBeUndefined();
  });

  it('starts and answers /health, and /ready reports that client authentication is not configured', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { dependencies: Record<string, { status: string; state: string; message: string }> };
    expect(body.dependencies.clientAuthentication).toMatchObject({ status: 'down', state: 'locked' });
    expectNamesTheFix(body.dependencies.clientAuthentication.message);
  });

  it('warns at startup that client authentication is not configured', async () => {
    const warnings = (await outputContaining(server, AUTH_NOT_CONFIGURED_MESSAGE))
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .filter((line) => line.level === 40);
    expect(warnings.map((line) => line.msg)).toContain(AUTH_NOT_CONFIGURED_MESSAGE);
  });

  it.each([
    ['POST', '/api/tools/list', {}],
    ['POST', '/api/tools/execute', { tool: 'trino_list_catalogs', params: {} }],
    ['POST', '/api/trino/query', { query: 'SELECT 1' }],
    ['GET', '/api/xdp/datastores', undefined],
    ['GET', '/api/trino/catalogs', undefined],
  ])('refuses REST %s %s with 401 naming the settings to fix', async (method, path, body) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status).toBe(401);
    const { error } = (await response.json()) as { error: { message: string } };
    expectNamesTheFix(error.message);
  });

  it('refuses /mcp with 401 naming the settings to fix, even with a token (none can be valid)', async () => {
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'guide', version: '1' } },
    };
    for (const authorization of [undefined, 'Bearer some-guessed-token-0123456789']) {
      const response = await fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify(initialize),
      });
      expect(response.status).toBe(401);
      expectNamesTheFix(JSON.stringify(await response.json()));
    }
  });

  it('refuses the /ws upgrade with 401 naming the settings to fix', async () => {
    const socket = new WebSocket(server.wsUrl, 'mcp');
    socket.on('error', () => undefined);
    const [, response] = (await once(socket, 'unexpected-response')) as [unknown, IncomingMessage];
    let body = '';
    for await (const chunk of response) body += String(chunk);
    expect(response.statusCode).toBe(401);
    expectNamesTheFix(body);
  });

  it('is still running and healthy after refusing every request', async () => {
    expect(server.child.exitCode).toBeNull();
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
