import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

// The built entry point, exactly as deployed (`npm test` builds before running jest).
const MAIN = join(process.cwd(), 'dist', 'apps', 'xdp-mcp-server', 'main.js');
const ENV = { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'debug' };

const initialize = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
};

/** Runs the server over stdio with `lines` as its whole input; resolves once it exits. */
/** Every line of `text` parsed as JSON (stdout carries only JSON-RPC messages). */
function jsonLines(text: string): unknown[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as unknown);
}

async function runWithInput(args: string[], env: Record<string, string>, lines: object[]) {
  const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  for (const line of lines) child.stdin.write(`${JSON.stringify(line)}\n`);
  // Close stdin only after the replies arrived, like a client that hangs up when done.
  while (stdout.split('\n').filter(Boolean).length < lines.filter((line) => 'id' in line).length) await once(child.stdout, 'data');
  child.stdin.end();
  const [code] = await once(child, 'exit');
  return { code, stdout, stderr };
}

describe('MCP over stdio (built app, e2e)', () => {
  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npx nest build\` (npm test builds first)`);
  });

  it('answers initialize, ping and tools/list through the SDK stdio client', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [MAIN, '--stdio'], env: ENV, stderr: 'pipe' });
    let logs = '';
    transport.stderr?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    const client = new Client({ name: 'stdio-e2e', version: '1.0.0' });
    const transportErrors: Error[] = [];
    client.onerror = (error) => transportErrors.push(error);
    try {
      await client.connect(transport);
      expect(client.getServerVersion()).toEqual({ name: 'xdp-mcp-server', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
      expect(client.getServerCapabilities()).toEqual({ tools: { listChanged: false } });
      await expect(client.ping()).resolves.toEqual({});
      const { tools, nextCursor } = await client.listTools();
      expect(Array.isArray(tools)).toBe(true);
      expect(nextCursor).toBeUndefined();
      // The production build registers no test tools, so an unknown name exercises the call path.
      const error = (await client.callTool({ name: 'no_such_tool', arguments: {} }).catch((caught: unknown) => caught)) as McpError;
      expect(error).toBeInstanceOf(McpError);
      expect(error.code).toBe(ErrorCode.InvalidParams);
    } finally {
      await client.close();
    }
    // Anything but JSON-RPC on stdout would have surfaced as a parse error here.
    expect(transportErrors).toEqual([]);
    expect(logs).toContain('"msg":"Starting Nest application..."');
  });

  it.each([
    ['--stdio', ['--stdio'], {}],
    ['MCP_TRANSPORT=stdio', [], { MCP_TRANSPORT: 'stdio' }],
  ])('with %s writes only JSON-RPC to stdout, logs to stderr, and exits 0 when stdin closes', async (_label, args, extraEnv) => {
    const { code, stdout, stderr } = await runWithInput(args, { ...ENV, ...extraEnv }, [
      initialize,
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    ]);
    expect(code).toBe(0);
    const replies = jsonLines(stdout);
    expect(replies).toEqual([
      {
        jsonrpc: '2.0',
        id: 0,
        result: expect.objectContaining({ protocolVersion: '2024-11-05', serverInfo: expect.objectContaining({ name: 'xdp-mcp-server' }) }),
      },
      { jsonrpc: '2.0', id: 1, result: { tools: expect.any(Array) } },
    ]);
    const logLines = stderr.split('\n').filter(Boolean);
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) expect(JSON.parse(line)).toHaveProperty('level');
  });

  it('serves the 2026-07-28 era without initialize: server/discover, then enveloped tools/list, unknown version refused', async () => {
    const envelope = (version: string) => ({
      'io.modelcontextprotocol/protocolVersion': version,
      'io.modelcontextprotocol/clientCapabilities': {},
      'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '0' },
    });
    const { code, stdout } = await runWithInput(['--stdio'], ENV, [
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: envelope('2099-01-01') } },
      { jsonrpc: '2.0', id: 2, method: 'server/discover', params: { _meta: envelope('2026-07-28') } },
      { jsonrpc: '2.0', id: 3, method: 'tools/list', params: { _meta: envelope('2026-07-28') } },
    ]);
    expect(code).toBe(0);
    const replies = jsonLines(stdout);
    expect(replies).toEqual([
      {
        jsonrpc: '2.0',
        id: 1,
        error: expect.objectContaining({
          code: -32022,
          data: expect.objectContaining({ supported: expect.arrayContaining(['2026-07-28']) }),
        }),
      },
      {
        jsonrpc: '2.0',
        id: 2,
        result: expect.objectContaining({ supportedVersions: expect.arrayContaining(['2026-07-28']), resultType: 'complete' }),
      },
      {
        jsonrpc: '2.0',
        id: 3,
        result: expect.objectContaining({ tools: expect.any(Array), resultType: 'complete', cacheScope: 'public' }),
      },
    ]);
  });
});
