import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from './support/app-harness.js';

/**
 * The client package as its README tells an app to get it: `npm pack` in libs/mcp-client, then
 * `npm install <tarball>` in an empty project, then the README's usage example, run unchanged.
 */

const run = promisify(execFile);
const PACKAGE_DIR = join(process.cwd(), 'libs/mcp-client');
const README = readFileSync(join(PACKAGE_DIR, 'README.md'), 'utf8');
const VERSION = (JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string }).version;
const TARBALL = `xdp-mcp-websocket-client-${VERSION}.tgz`;

/** The first ```typescript block after the heading. */
function exampleAfter(heading: string): string {
  const section = README.slice(README.indexOf(heading));
  const match = /```typescript\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error(`no typescript example after ${heading}`);
  return match[1];
}

describe('@xdp/mcp-websocket-client as a packed tarball (e2e)', () => {
  const work = mkdtempSync(join(tmpdir(), 'xdp-mcp-client-pack-'));
  const app = join(work, 'app');
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ imports: [] });
    await run('npm', ['pack', '--pack-destination', work, '--ignore-scripts=false'], { cwd: PACKAGE_DIR, maxBuffer: 16 * 1024 * 1024 });
    await run('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer-app', version: '1.0.0', private: true, type: 'module' }));
    // Offline from the cache the repository's own install filled; online only if the cache lacks something.
    const install = ['install', join(work, TARBALL), '--no-audit', '--no-fund'];
    await run('npm', [...install, '--offline'], { cwd: app }).catch(() => run('npm', [...install, '--prefer-offline'], { cwd: app }));
  }, 300_000);

  afterAll(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('documents the install from the tarball npm pack writes, not an unpublished registry name', () => {
    expect(README).not.toMatch(/npm install @xdp\/mcp-websocket-client/);
    expect(README).toContain('cd libs/mcp-client && npm pack');
    expect(README).toContain(`npm install /path/to/${TARBALL}`);
  });

  // The only spec that packs the client: `npm pack` rebuilds dist/ (prepack), so two packing specs
  // running at once would delete each other's build.
  it('packs the built module and its types, not the sources or specs', async () => {
    const { stdout } = await run('tar', ['-tzf', join(work, TARBALL)]);
    const files = stdout
      .split('\n')
      .filter(Boolean)
      .map((path) => path.replace(/^package\//, ''));
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'README.md', 'package.json']));
    expect(files.filter((file) => file.includes('spec') || file.startsWith('src/'))).toEqual([]);
  });

  it('installs as a file: dependency with its registry dependencies', () => {
    const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(manifest.dependencies['@xdp/mcp-websocket-client']).toMatch(new RegExp(`^file:.*${TARBALL.replace(/\./g, '\\.')}$`));
    for (const dependency of ['@modelcontextprotocol/sdk', 'ws']) {
      expect(() => readFileSync(join(app, 'node_modules', dependency, 'package.json'))).not.toThrow();
    }
  });

  it("runs the README's usage example from the installed package against the server", async () => {
    const example = exampleAfter('## Usage');
    expect(example).not.toMatch(/trino_query|xdp_list_datastores'/);
    writeFileSync(
      join(app, 'example.mjs'),
      `${example}\nprocess.stdout.write(JSON.stringify({ tools: tools.map((tool) => tool.name), result }));\nawait mcpClient.disconnect();\n`,
    );
    const { stdout } = await run(process.execPath, ['example.mjs'], {
      cwd: app,
      env: { PATH: process.env.PATH, MCP_SERVER_URL: server.wsUrl },
      timeout: 60_000,
    });
    const { tools, result } = JSON.parse(stdout) as {
      tools: string[];
      result: { isError?: boolean; structuredContent: { rows: unknown[][] } };
    };
    expect(tools).toContain('trino_execute_query');
    expect(result.isError).toBeUndefined();
    expect(result.structuredContent.rows).toEqual([[5000]]);
  }, 60_000);

  it('calls only tools the default server has in every README and guide example', async () => {
    const tools = (
      (await (await fetch(`${server.url}/api/tools/list`, { method: 'POST' })).json()) as { tools: { name: string }[] }
    ).tools.map((tool) => tool.name);
    for (const file of ['README.md', 'libs/mcp-client/README.md', 'docs/deployment.md']) {
      const called = [...readFileSync(file, 'utf8').matchAll(/executeTool\('([a-z_]+)'/g)].map((match) => match[1]);
      expect(called.length).toBeGreaterThan(0);
      expect({ file, unknown: called.filter((name) => !tools.includes(name)) }).toEqual({ file, unknown: [] });
    }
  });
});
