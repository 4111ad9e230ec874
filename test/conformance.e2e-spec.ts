import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Logger } from '@nestjs/common';
import { spawnServer, type SpawnedServer } from './support/spawned-server.js';

const run = promisify(execFile);
const MAIN = join(process.cwd(), 'dist', 'apps', 'xdp-mcp-server', 'main.js');
// Both suite versions need Node 22 (fs.globSync); the machine's Node may be 20, so the suite CLI
// runs on the Node 22 binary installed as a devDependency. The server under test runs on ours.
const NODE22 = join(dirname(require.resolve('node22/package.json')), 'bin', 'node');
const SUITES = {
  next: join(dirname(require.resolve('conformance-next/package.json')), 'dist', 'index.js'),
  stable: join(dirname(require.resolve('conformance/package.json')), 'dist', 'index.js'),
};

interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'SKIPPED' | 'INFO';
  errorMessage?: string;
  details?: { untestable?: boolean };
}

const logger = new Logger('Conformance');

/** Runs one scenario of one suite against the server; returns every check it recorded. */
async function scenario(suite: keyof typeof SUITES, name: string, url: string): Promise<Check[]> {
  const output = mkdtempSync(join(tmpdir(), `conformance-${name}-`));
  try {
    // The CLI exits 1 when a check fails; the checks file is the verdict, read either way.
    await run(NODE22, [SUITES[suite], 'server', '--url', url, '--scenario', name, '-o', output], { timeout: 90_000 }).catch(
      (error: { code?: unknown }) => {
        if (typeof error.code !== 'number') throw error;
      },
    );
    const [runDir] = readdirSync(output);
    return JSON.parse(readFileSync(join(output, runDir, 'checks.json'), 'utf8')) as Check[];
  } finally {
    rmSync(output, { recursive: true, force: true });
  }
}

/** Failed checks, minus those the suite marks untestable (its diagnostic fixture tools). */
function failures(name: string, checks: Check[]): string[] {
  const counts = checks.reduce<Record<string, number>>(
    (tally, check) => ({ ...tally, [check.status]: (tally[check.status] ?? 0) + 1 }),
    {},
  );
  logger.log(`${name}: ${JSON.stringify(counts)}`);
  const failed = checks.filter((check) => check.status === 'FAILURE' && check.details?.untestable !== true);
  for (const check of failed) logger.log(`  FAILURE ${check.id}: ${check.errorMessage ?? ''}`);
  return failed.map((check) => `${name}/${check.id}`);
}

describe('MCP conformance suites against the built server (embedded default)', () => {
  let server: SpawnedServer;
  let url: string;

  beforeAll(async () => {
    server = await spawnServer(MAIN, {});
    url = `${server.url}/mcp`;
  }, 60_000);

  /** On a failure, the server's own log tail says what it saw. */
  function reported(failed: string[]): string[] {
    if (failed.length > 0) logger.log(`server output:\n${server.output().slice(-4000)}`);
    return failed;
  }

  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exit;
  });

  // 0.1.16's other server scenarios exercise the reference "everything" server's fixture tools,
  // prompts and resources (test_image_content, prompts/get …), which a gateway does not have.
  const SCENARIOS = [
    ...['server-stateless', 'tools-list', 'caching', 'http-header-validation', 'dns-rebinding-protection', 'server-initialize', 'ping'].map(
      (name) => ['0.2.0-alpha.12', name, 'next'] as const,
    ),
    ...['server-initialize', 'ping', 'tools-list', 'dns-rebinding-protection'].map((name) => ['0.1.16', name, 'stable'] as const),
  ];

  it.each(SCENARIOS)(
    'conformance %s %s: no failed check',
    async (_version, name, suite) => {
      const checks = await scenario(suite, name, url);
      expect(checks.length).toBeGreaterThan(0);
      expect(reported(failures(name, checks))).toEqual([]);
    },
    120_000,
  );
});
