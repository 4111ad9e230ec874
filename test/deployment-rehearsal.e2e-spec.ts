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
      const command = instruction.args.split('&&').map((part) => part.trim()).find((part) => /^npm (ci|install) .*--omit=dev/.test(part));
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

describe('container rehearsal: the image layout started with the ConfigMap and Secret', () => {
  const appDir = mkdtempSync(join(tmpdir(), 'xdp-mcp-image-'));
  /** Stands in for the pod's /tmp emptyDir (HOME=/tmp in the image). */
  const writableTmp = join(appDir, 'tmp');
  const secrets = {
    XDP_ACCESS_KEY: `access-${randomBytes(12).toString('hex')}`,
    XDP_SECRET_KEY: `secret-${randomBytes(12).toString('hex')}`,
    MCP_AUTH_TOKEN: randomBytes(24).toString('hex'),
  };
  let installLog = '';
  let filesBefore: string[] = [];
  let server: ChildProcess;
  let output = '';
  let baseUrl = '';
  let exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  const configMap = findObject(readManifest('k8s/base/configmap.yaml'), 'ConfigMap', 'xdp-mcp-config').data as Record<string, string>;

  beforeAll(async () => {
    cpSync(join(REPO_ROOT, 'dist'), join(appDir, 'dist'), { recursive: true });
    for (const file of ['package.json', 'package-lock.json']) cpSync(join(REPO_ROOT, file), join(appDir, file));
    mkdirSync(writableTmp);

    // Offline from the cache the main install filled; online only when the cache lacks something.
    const args = productionInstallArgs();
    for (const mode of ['--offline', '--prefer-offline']) {
      const result = spawnSync('npm', [...args, mode], { cwd: appDir, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } });
      installLog += `npm ${[...args, mode].join(' ')} -> ${result.status}\n${result.stderr}\n`;
      if (result.status === 0) break;
    }
    filesBefore = listFiles(appDir, 'tmp');

    const port = await freePort();
    const closedPort = await freePort();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: writableTmp,
      TMPDIR: writableTmp,
      ...configMap,
      ...secrets,
      // k8s gives the pod its own port; here it must not collide with anything on the machine.
      PORT: String(port),
      // Placeholder upstream → a closed loopback port: background checks must not leave the machine.
      XDP_BASE_URL: `http://127.0.0.1:${closedPort}`,
    };
    const [command, ...commandArgs] = dockerfileCommand('CMD');
    server = spawn(command, commandArgs, { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    exit = new Promise((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));
    baseUrl = `http://127.0.0.1:${port}`;
  }, 600_000);

  afterAll(() => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    rmSync(appDir, { recursive: true, force: true });
  });

  it('installs production dependencies only, with the Dockerfile command', () => {
    expect({ installed: existsSync(join(appDir, 'node_modules/@nestjs/core')), installLog }).toEqual({ installed: true, installLog });
    const lock = JSON.parse(readFileSync(join(appDir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([path, entry]) => path !== '' && entry.dev === true).map(([path]) => path);
    expect(devOnly.length).toBeGreaterThan(0);
    expect(devOnly.filter((path) => existsSync(join(appDir, path)))).toEqual([]);
  });

  it('answers 200 on /health and /ready', async () => {
    expect({ status: await waitForStatus(`${baseUrl}/health`, 30_000), output }).toEqual({ status: 200, output });
    const deadline = Date.now() + 30_000;
    let ready = 0;
    while (Date.now() < deadline && (ready = (await fetch(`${baseUrl}/ready`)).status) !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ready).toBe(200);
  }, 90_000);

  it("passes the image's HEALTHCHECK command", () => {
    const [command, ...args] = dockerfileCommand('HEALTHCHECK');
    const result = spawnSync(command, args, { env: { PATH: process.env.PATH, PORT: new URL(baseUrl).port }, encoding: 'utf8', timeout: 10_000 });
    expect(result.status).toBe(0);
  }, 30_000);

  it('logs JSON lines without the Secret values', () => {
    const lines = output.split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    for (const value of Object.values(secrets)) expect(output).not.toContain(value);
  });

  it('exits on SIGTERM within the drain time and wrote nothing outside its /tmp', async () => {
    server.kill('SIGTERM');
    const drainMs = Number(configMap.SHUTDOWN_GRACE_MS);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), drainMs + 10_000)));
    const result = await Promise.race([exit, timeout]);
    clearTimeout(timer);
    expect(result).not.toBe('timeout');
    const { code, signal } = result as { code: number | null; signal: NodeJS.Signals | null };
    expect(code === 0 || signal === 'SIGTERM').toBe(true);
    // The pod's root filesystem is read-only: every write must go to /tmp.
    expect(listFiles(appDir, 'tmp')).toEqual(filesBefore);
  }, 60_000);
});
