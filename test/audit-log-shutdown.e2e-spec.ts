import { join } from 'node:path';
import { spawnServer } from './support/spawned-server.js';

const MAIN = join(__dirname, '..', 'dist/apps/xdp-mcp-server/main.js');
// ~300 bytes per Audit line: more than the 64 KiB a pipe holds.
const CALLS = 400;
const BATCH = 20;

/** A log line as JSON; the first chunk read after attaching may start mid-line, which is skipped. */
function parsed(line: string): { context?: string; tool?: string } {
  try {
    return JSON.parse(line) as { context?: string; tool?: string };
  } catch {
    return {};
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
    // Started and ready before any call: every Audit line arrives after this test starts reading.
    const server = await spawnServer(MAIN, { RATE_LIMIT_REQUESTS: '0' });
    const { child, url } = server;
    const chunks: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
    try {
      child.stdout!.pause();
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
      setImmediate(() => child.stdout!.resume());
      const { code } = await server.exit;
      expect(code).toBe(0);
      const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean);
      const audited = new Set(
        lines
          .map(parsed)
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
