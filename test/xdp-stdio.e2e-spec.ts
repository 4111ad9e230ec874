import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { FAKE_CREDENTIAL_MARKER, FakeXdpServer } from './fakes/fake-xdp.server.js';

// The built entry point, exactly as deployed (`npm test` builds before running jest).
const MAIN = join(process.cwd(), 'dist', 'apps', 'xdp-mcp-server', 'main.js');

describe('XDP tools over stdio (built app, e2e)', () => {
  let xdp: FakeXdpServer;
  let client: Client;
  let logs = '';
  const transportErrors: Error[] = [];

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npx nest build\` (npm test builds first)`);
    xdp = await FakeXdpServer.start();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [MAIN, '--stdio'],
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'debug', XDP_RETRY_BASE_DELAY_MS: '1', ...xdp.env() },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    client = new Client({ name: 'xdp-stdio-e2e', version: '1.0.0' });
    client.onerror = (error) => transportErrors.push(error);
    await client.connect(transport);
    await client.listTools();
  });

  beforeEach(() => xdp.reset());

  afterAll(async () => {
    await client?.close();
    await xdp?.close();
  });

  it('lists and calls the XDP tools, with configs redacted', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['xdp_list_datastores', 'xdp_list_dataplanes']));
    const result = await client.callTool({ name: 'xdp_list_datastores', arguments: { size: 3 } });
    expect((result.structuredContent as { pagination: unknown }).pagination).toEqual({
      page: 0,
      size: 3,
      totalElements: 57,
      totalPages: 19,
    });
    expect(JSON.stringify(result)).not.toContain(FAKE_CREDENTIAL_MARKER);
  });

  it('retries through a 503 and reports rejected credentials as a tool error', async () => {
    xdp.enqueue({ kind: 'status', status: 503 });
    expect((await client.callTool({ name: 'xdp_list_dataplanes', arguments: {} })).isError).toBeFalsy();
    expect(xdp.requests()).toHaveLength(2);
    xdp.enqueue({ kind: 'status', status: 403 });
    const rejected = await client.callTool({ name: 'xdp_list_dataplanes', arguments: {} });
    expect(rejected).toMatchObject({
      isError: true,
      content: [{ type: 'text', text: expect.stringContaining('XDP rejected the credentials (HTTP 403)') }],
    });
  });

  it('keeps stdout clean and writes no secret to the logs on stderr', () => {
    // Anything but JSON-RPC on stdout would have surfaced as a transport error.
    expect(transportErrors).toEqual([]);
    expect(logs).toContain('xdp_list_datastores');
    for (const secret of [xdp.secretKey, xdp.accessKey, FAKE_CREDENTIAL_MARKER]) expect(logs).not.toContain(secret);
  });
});
