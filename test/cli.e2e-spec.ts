import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { outputContaining, runToExit, spawnServer, type SpawnedServer } from './support/spawned-server.js';

/** The built entry point as a newcomer and an operator meet it: its command line, its failures, its first log lines. */
const MAIN = 'dist/apps/xdp-mcp-server/main.js';
const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

interface LogLine {
  level: number;
  context?: string;
  msg: string;
}

function logLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

describe('command line of the built server (e2e)', () => {
  beforeAll(() => {
    expect(existsSync(MAIN)).toBe(true); // built by `npm test` (npm run build) before jest runs
  });

  it('--help prints usage (modes, main settings, docs) and exits 0 without starting anything', async () => {
    const { code, stdout, stderr } = await runToExit(MAIN, { PORT: '1', NODE_ENV: 'production' }, 10_000, ['--help']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    for (const text of [
      'Usage:',
      '--stdio',
      'HTTP mode',
      'PORT',
      'MCP_AUTH_TOKEN',
      'XDP_BASE_URL',
      'docs/configuration.md',
      'docs/deployment.md',
      '/api/docs',
    ]) {
      expect(stdout).toContain(text);
    }
    expect(logLines(stdout)).toEqual([]);
  });

  it('--version prints the package version and exits 0', async () => {
    expect(await runToExit(MAIN, {}, 10_000, ['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('refuses an unknown argument with exit 2, pointing at --help', async () => {
    const { code, stderr } = await runToExit(MAIN, {}, 10_000, ['--stido']);
    expect(code).toBe(2);
    expect(stderr).toBe('xdp-mcp-server failed to start: unknown argument "--stido" (see --help)\n');
  });

  describe('on a busy port', () => {
    let blocker: Server;
    let port: number;

    beforeAll(async () => {
      blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      port = (blocker.address() as { port: number }).port;
    });

    afterAll(() => new Promise((resolve) => blocker.close(resolve)));

    it('exits 1 with one line naming the port, and nothing claiming success', async () => {
      const { code, stdout, stderr } = await runToExit(
        MAIN,
        { PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production', AUTH_MODE: 'none' },
        30_000,
      );
      expect(code).toBe(1);
      expect(stderr).toBe(
        `xdp-mcp-server failed to start: port ${port} on 127.0.0.1 is already in use (EADDRINUSE): stop the process using it or set PORT to a free port\n`,
      );
      expect(stdout).not.toMatch(/Listening|successfully started|ready/i);
    }, 40_000);
  });

  describe('startup log', () => {
    let server: SpawnedServer;

    beforeAll(async () => {
      // Misspelled and unknown settings an operator might carry over.
      server = await spawnServer(MAIN, {
        MCP_AUTH_TOKENS: 'a-token-in-the-wrong-variable',
        XDP_BASE_ULR: 'https://xdp.example.com',
        LOG_LEVLE: 'debug',
        TRINO_FOO: '1',
      });
      // The start-up lines are written in order; the tool registry's comes last.
      await outputContaining(server, 'Registered ');
    }, 60_000);

    afterAll(async () => {
      server.child.kill('SIGTERM');
      await server.exit;
    });

    it('leads with one line naming the listen URL, /mcp, /ws, Swagger UI and the engines', () => {
      const [first] = logLines(server.output());
      const base = server.url;
      expect(first.msg).toBe(
        `Listening on ${base}: MCP ${base}/mcp, WebSocket ${server.wsUrl}, Swagger UI ${base}/api/docs; engines: local (duckdb); client authentication: disabled`,
      );
      expect(logLines(server.output()).filter((line) => line.msg.startsWith('Listening on'))).toHaveLength(1);
    });

    it("keeps Nest's module-by-module lines out of the info log", () => {
      const narration = logLines(server.output()).filter((line) =>
        ['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication'].includes(line.context ?? ''),
      );
      expect(narration).toEqual([]);
    });

    it('warns about each setting that looks like ours but is unknown, naming the nearest known one', () => {
      const warnings = logLines(server.output())
        .filter((line) => line.level === 40 && line.context === 'Startup')
        .map((line) => line.msg);
      expect(warnings).toEqual(
        expect.arrayContaining([
          'LOG_LEVLE is not a setting of this server and is ignored: did you mean LOG_LEVEL?',
          'MCP_AUTH_TOKENS is not a setting of this server and is ignored: did you mean MCP_AUTH_TOKEN?',
          'TRINO_FOO is not a setting of this server and is ignored (docs/configuration.md lists every setting)',
          'XDP_BASE_ULR is not a setting of this server and is ignored: did you mean XDP_BASE_URL?',
        ]),
      );
      // The value of a misplaced token is a secret too: never echoed.
      expect(server.output()).not.toContain('a-token-in-the-wrong-variable');
    });
  });
});
