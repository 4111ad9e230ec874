import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** A real redis-server owned by a test: its own port on 127.0.0.1, its own temp dir, no persistence. */
export interface RedisProcess {
  port: number;
  url: string;
  /** Stops the server (SIGTERM) and waits for it to exit; its data is gone, as in a crash without persistence. */
  stop(): Promise<void>;
  /** Starts a fresh, empty server on the same port. */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open but nothing answers, like a hung Redis. */
  pause(): void;
  resume(): void;
}

const ENSURE_REDIS = resolve(__dirname, '../../scripts/ensure-redis.sh');

/** Installs Debian's redis-server when missing (scripts/ensure-redis.sh; prints how to install or skip otherwise). */
export function ensureRedisInstalled(): void {
  execFileSync('bash', [ENSURE_REDIS], { stdio: 'inherit', timeout: 540_000 });
}

export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort();
  let dir = mkdtempSync(join(tmpdir(), 'xdp-mcp-redis-'));
  let child = await launch(port, dir);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      await terminate(child);
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      dir = mkdtempSync(join(tmpdir(), 'xdp-mcp-redis-'));
      child = await launch(port, dir);
    },
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
  };
}

/** Resolves once the server logs that it accepts connections (an awaited event, not a sleep). */
function launch(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((ready, fail) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('Ready to accept connections')) ready(child);
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`redis-server exited (${code}) before it was ready: ${output}`)));
  });
}

function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}

function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}
