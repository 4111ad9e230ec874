import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createServer } from 'node:net';

const MAIN = join(__dirname, '..', 'dist/apps/xdp-mcp-server/main.js');
// ~300 bytes per Audit line: more than the 64 KiB a pipe holds.
const CALLS = 400;
const BATCH = 20;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForReady(url: string, child: { exitCode: number | null }): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error('server exited before it was ready');
    try {
      if ((await fetch(`${url}/ready`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * The log stream is written asynchronously (logging.module.ts). Here the reader of the server's
 * stdout stops reading while the calls run, so the pipe fills and Audit lines queue inside the
 * server; SIGTERM then arrives at once. Every call must still have its Audit line when the process
 * has exited: the queue is flushed at shutdown, not dropped.
 */
describe('Audit log at shutdown (built server)', () => {
  it('has one Audit line per call answered, even when SIGTERM follows the calls immediately and stdout was not being read', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        AUTH_MODE: 'none',
        LOG_LEVEL: 'info',
        HOST: '127.0.0.1',
        PORT: String(port),
        RATE_LIMIT_REQUESTS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.resume();
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      await waitForReady(url, child);
      child.stdout.pause();
      let answered = 0;
      for (let sent = 0; sent < CALLS; sent += BATCH) {
        const statuses = await Promise.all(
          Array.from({ length: BATCH }, async (_, i) => {
            const response = await fetch(`${url}/api/tools/execute`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ tool: `audit_probe_${sent + i}`, arguments: {} }),
            });
            await response.arrayBuffer();
            return response.status;
          }),
        );
        answered += statuses.filter((status) => status === 404).length;
      }
      expect(answered).toBe(CALLS);
      child.kill('SIGTERM');
      // Resume reading only after the signal, so the shutdown finds a full pipe and a queue behind it.
      setImmediate(() => child.stdout.resume());
      const [code] = await exited;
      expect(code).toBe(0);
      const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean);
      const audited = new Set(
        lines
          .map((line) => JSON.parse(line) as { context?: string; tool?: string })
          .filter((line) => line.context === 'Audit' && line.tool?.startsWith('audit_probe_'))
          .map((line) => line.tool),
      );
      expect(audited.size).toBe(CALLS);
      // The drain's closing line comes after every Audit line (engines closing may still log after it).
      const drained = lines.findIndex((line) => line.includes('"Drained'));
      const lastAudit = lines.findLastIndex((line) => line.includes('"context":"Audit"'));
      expect(drained).toBeGreaterThan(lastAudit);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
