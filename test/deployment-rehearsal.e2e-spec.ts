import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execForm, parseStages, readDockerfile } from './deploy/dockerfile.js';
import { findObject, readManifest, REPO_ROOT } from './deploy/k8s-manifests.js';

/**
 * Container rehearsal: builds the image's /app layout in a temp dir (dist/, package.json and the
 * production dependencies installed by the Dockerfile's own command), then runs the image's CMD
 * with the ConfigMap's settings plus the Secret's keys, as the pod would.
 */

const stages = parseStages(readDockerfile());
const runtime = stages.at(-1)!;

function dockerfileCommand(keyword: string, stage = runtime): string[] {
  const instruction = stage.instructions.filter((candidate) => candidate.keyword === keyword).at(-1)!;
  return execForm(instruction.args);
}

/** The production-dependency install the image runs (the RUN that installs with --omit=dev), split into argv. */
function productionInstallArgs(): string[] {
  for (const stage of stages) {
    for (const instruction of stage.instructions) {
      const command = instruction.args
        .split('&&')
        .map((part) => part.trim())
        .find((part) => /^npm (ci|install) .*--omit=dev/.test(part));
      if (instruction.keyword === 'RUN' && command) return command.split(' ').slice(1);
    }
  }
  throw new Error('Dockerfile installs no production dependencies');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function listFiles(dir: string, skip: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .filter((path) => !path.startsWith(skip))
    .sort();
}

async function waitForStatus(url: string, deadlineMs: number): Promise<number> {
  const deadline = Date.now() + deadlineMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return (await fetch(url)).status;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`${url} did not answer within ${deadlineMs} ms: ${String(lastError)}`);
}

interface RunningImage {
  baseUrl: string;
  /** stdout and stderr so far. */
  output(): string;
  /** Sends SIGTERM and resolves with how the process ended, or 'timeout'. */
  stop(deadlineMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'timeout'>;
  kill(): void;
}

/** Runs the image's CMD in `appDir` with exactly `settings` (plus PATH and the writable HOME), like the pod's environment. */
async function startImage(appDir: string, writableTmp: string, settings: Record<string, string>): Promise<RunningImage> {
  const port = await freePort();
  const [command, ...args] = dockerfileCommand('CMD');
  const child: ChildProcess = spawn(command, args, {
    cwd: appDir,
    // k8s gives the pod its own port; here it must not collide with anything on the machine.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: writableTmp, TMPDIR: writableTmp, ...settings, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    output: () => output,
    async stop(deadlineMs) {
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), deadlineMs)));
      const result = await Promise.race([exit, timeout]);
      clearTimeout(timer);
      return result;
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

async function waitUntilReady(image: RunningImage): Promise<void> {
  const health = await waitForStatus(`${image.baseUrl}/health`, 30_000);
  if (health !== 200) throw new Error(`/health answered ${health}\n${image.output()}`);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if ((await fetch(`${image.baseUrl}/ready`)).status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`/ready did not answer 200 within 30 s\n${image.output()}`);
}

describe('container rehearsal: the image layout started as the pod runs it', () => {
  const appDir = mkdtempSync(join(tmpdir(), 'xdp-mcp-image-'));
  /** Stands in for the pod's /tmp emptyDir (HOME=/tmp in the image). */
  const writableTmp = join(appDir, 'tmp');
  const secrets = {
    XDP_ACCESS_KEY: `access-${randomBytes(12).toString('hex')}`,
    XDP_SECRET_KEY: `secret-${randomBytes(12).toString('hex')}`,
    MCP_AUTH_TOKEN: randomBytes(24).toString('hex'),
  };
  const authorization = { authorization: `Bearer ${secrets.MCP_AUTH_TOKEN}` };
  const configMap = findObject(readManifest('k8s/base/configmap.yaml'), 'ConfigMap', 'xdp-mcp-defaults').data as Record<string, string>;
  const drainMs = Number(configMap.SHUTDOWN_GRACE_MS);
  let installLog = '';
  let filesBefore: string[] = [];

  beforeAll(() => {
    cpSync(join(REPO_ROOT, 'dist'), join(appDir, 'dist'), { recursive: true });
    for (const file of ['package.json', 'package-lock.json']) cpSync(join(REPO_ROOT, file), join(appDir, file));
    mkdirSync(writableTmp);
    // Offline from the cache the main install filled; online only when the cache lacks something.
    const args = productionInstallArgs();
    for (const mode of ['--offline', '--prefer-offline']) {
      const result = spawnSync('npm', [...args, mode], {
        cwd: appDir,
        encoding: 'utf8',
        env: { ...process.env, npm_config_loglevel: 'error' },
      });
      installLog += `npm ${[...args, mode].join(' ')} -> ${result.status}\n${result.stderr}\n`;
      if (result.status === 0) break;
    }
    filesBefore = listFiles(appDir, 'tmp');
  }, 600_000);

  afterAll(() => {
    rmSync(appDir, { recursive: true, force: true });
  });

  it('installs production dependencies only, with the Dockerfile command', () => {
    expect({ installed: existsSync(join(appDir, 'node_modules/@nestjs/core')), installLog }).toEqual({ installed: true, installLog });
    const lock = JSON.parse(readFileSync(join(appDir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && entry.dev === true)
      .map(([path]) => path);
    expect(devOnly.length).toBeGreaterThan(0);
    expect(devOnly.filter((path) => existsSync(join(appDir, path)))).toEqual([]);
  });

  describe('with the ConfigMap and the Secret (XDP enabled)', () => {
    let image: RunningImage;

    beforeAll(async () => {
      const closedPort = await freePort();
      image = await startImage(appDir, writableTmp, {
        ...configMap,
        ...secrets,
        // Placeholder upstream → a closed loopback port: background checks must not leave the machine.
        XDP_BASE_URL: `http://127.0.0.1:${closedPort}`,
      });
    });

    afterAll(() => image.kill());

    it('answers 200 on /health and /ready', async () => {
      await waitUntilReady(image);
    }, 90_000);

    it("passes the image's HEALTHCHECK command", () => {
      const [command, ...args] = dockerfileCommand('HEALTHCHECK');
      const result = spawnSync(command, args, {
        env: { PATH: process.env.PATH, PORT: new URL(image.baseUrl).port },
        encoding: 'utf8',
        timeout: 10_000,
      });
      expect(result.status).toBe(0);
    }, 30_000);

    it("requires the Secret's token on the API, as production must", async () => {
      const list = (headers: Record<string, string>) => fetch(`${image.baseUrl}/api/tools/list`, { method: 'POST', headers });
      expect((await list({})).status).toBe(401);
      const authorized = await list(authorization);
      expect(authorized.status).toBe(200);
      const { tools } = (await authorized.json()) as { tools: { name: string }[] };
      expect(tools.map((tool) => tool.name)).toContain('xdp_list_datastores');
    });

    it('logs JSON lines without the Secret values', () => {
      const lines = image
        .output()
        .split('\n')
        .filter((line) => line.trim() !== '');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
      for (const value of Object.values(secrets)) expect(image.output()).not.toContain(value);
    });

    it('exits on SIGTERM within the drain time', async () => {
      const result = await image.stop(drainMs + 10_000);
      expect(result).not.toBe('timeout');
      const { code, signal } = result as { code: number | null; signal: NodeJS.Signals | null };
      expect(code === 0 || signal === 'SIGTERM').toBe(true);
    }, 60_000);
  });

  it('loads the native DuckDB binding (the embedded SQL engine) from the production dependencies', () => {
    const script =
      "const { DuckDBInstance } = await import('@duckdb/node-api');" +
      "const connection = await (await DuckDBInstance.create(':memory:')).connect();" +
      "const reader = await connection.runAndReadAll('SELECT 6 * 7 AS answer');" +
      'process.stdout.write(JSON.stringify(reader.getRowObjectsJson()));';
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: appDir,
      env: { PATH: process.env.PATH, HOME: writableTmp, TMPDIR: writableTmp },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect({ stdout: result.stdout, stderr: result.stderr }).toEqual({ stdout: '[{"answer":42}]', stderr: '' });
  }, 40_000);

  it('wrote nothing outside its /tmp (the root filesystem is read-only in the pod)', () => {
    expect(listFiles(appDir, 'tmp')).toEqual(filesBefore);
  });
});
