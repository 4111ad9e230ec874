import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { load } from 'js-yaml';
import { postJson } from './support/app-harness.js';
import { HealthWatch } from './support/health-watch.js';
import { spawnServer, type SpawnedServer } from './support/spawned-server.js';

const MAIN = join(__dirname, '..', 'dist/apps/xdp-mcp-server/main.js');
const describeBuilt = existsSync(MAIN) ? describe : describe.skip;
const MIB = 1_048_576;
const REPO = join(__dirname, '..');
/** What k8s/base ships: DUCKDB_MEMORY_LIMIT_MB and the pod's memory limit, read from the manifests so they cannot drift apart. */
const SHIPPED_MEMORY_LIMIT_MB = (load(readFileSync(join(REPO, 'k8s/base/configmap.yaml'), 'utf8')) as { data: Record<string, string> }).data
  .DUCKDB_MEMORY_LIMIT_MB;
const POD_MEMORY_LIMIT_MIB = Number(
  /memory: (\d+)Mi\s*$/m.exec(readFileSync(join(REPO, 'k8s/base/deployment.yaml'), 'utf8').split('limits:')[1])?.[1],
);
/** As the Dockerfile sets it: DuckDB's allocator unmaps freed memory, so a stopped query gives its headroom back. */
const SHIPPED_ALLOCATOR_CONF = 'retain:false,dirty_decay_ms:0,muzzy_decay_ms:0';
/** The bound the issue asks of the worst single request: inside the pod's limit, with 64 MiB to spare. */
const PEAK_RSS_BOUND = (POD_MEMORY_LIMIT_MIB - 64) * MIB;
const log = new Logger('hostile-duckdb-memory');

/** Peak resident set (VmHWM) of a process since its last `resetPeakRss`, bytes. */
function peakRss(pid: number): number {
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
}

/** Linux: writing 5 to clear_refs resets VmHWM to the current RSS, so each case gets its own peak. */
function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/**
 * Each of these makes DuckDB build gigabytes inside one 2,048-row vector (or one aggregate state)
 * before the engine reads a row: the byte budget and the LIMIT wrap cannot stop them, only the
 * process's data limit can. Without it the first one alone took 3.9 GB.
 */
const ATTACKS: [string, string, number | undefined][] = [
  [
    '10,000 rows of 1 MB strings',
    "SELECT rpad('x', 1000000, 'x') AS wide FROM sales.orders a CROSS JOIN sales.customers b LIMIT 10000",
    10_000,
  ],
  ['a list of 1e6 elements per row', 'SELECT range(1000000) AS list FROM sales.orders', 10_000],
  [
    'a cross join producing 500 KB strings',
    "SELECT rpad(a.status, 500000, 'y') AS wide FROM sales.orders a CROSS JOIN sales.orders b",
    10_000,
  ],
  [
    'string_agg over 25 million rows',
    "SELECT string_agg(rpad('x', 100, 'x'), ',') AS joined FROM sales.orders a CROSS JOIN sales.orders b",
    undefined,
  ],
];

describeBuilt('one embedded-DuckDB query cannot take the process past its memory (e2e, spawned built server)', () => {
  let server: SpawnedServer;
  const query = (sql: string, maxRows?: number) =>
    postJson(`${server.url}/api/trino/query`, { query: sql, ...(maxRows ? { maxRows } : {}) });

  beforeAll(async () => {
    server = await spawnServer(MAIN, {
      DUCKDB_MEMORY_LIMIT_MB: SHIPPED_MEMORY_LIMIT_MB,
      DUCKDB_JE_MALLOC_CONF: SHIPPED_ALLOCATOR_CONF,
      LOG_LEVEL: 'warn',
    });
    // A pod has served queries before the attack: the code paths are compiled, the sample data read.
    expect((await query('SELECT count(*) FROM sales.orders')).body.structuredContent.rows).toEqual([[5000]]);
  }, 60_000);

  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exit;
  });

  it.each(ATTACKS)(
    '%s: refused as out of memory, peak RSS inside the pod limit, /health answering, the next query served',
    async (name, sql, maxRows) => {
      const pid = server.child.pid!;
      const before = server.rss();
      resetPeakRss(pid);
      const watch = new HealthWatch(server.url);
      const answer = await query(sql, maxRows);
      const health = await watch.stop();
      const peak = server.child.exitCode === null ? peakRss(pid) : Number.NaN;
      if (server.child.exitCode !== null) throw new Error(`the server died: ${server.output()}`);
      log.log(
        `${name}: HTTP ${answer.status}, RSS ${Math.round(before / MIB)} → peak ${Math.round(peak / MIB)} MiB, /health slowest ${health.slowestMs} ms over ${health.probes} probes`,
      );
      expect(answer.status).toBe(413);
      expect(answer.body.error).toMatchObject({
        code: 'too_large',
        message: expect.stringContaining('more memory than the embedded engine may use (DUCKDB_MEMORY_LIMIT_MB)'),
      });
      expect(peak).toBeLessThan(PEAK_RSS_BOUND);
      expect(health.failures).toEqual([]);
      expect(server.child.exitCode).toBeNull();
      expect((await query('SELECT count(*) AS n FROM sales.customers')).body.structuredContent.rows).toEqual([[500]]);
    },
    120_000,
  );

  it('two such queries at once (both slots) share the one bound', async () => {
    const pid = server.child.pid!;
    resetPeakRss(pid);
    const answers = await Promise.all([query(ATTACKS[0][1], 10_000), query(ATTACKS[2][1], 10_000)]).catch(async (error: Error) => {
      await server.exit;
      throw new Error(`${error.message}; the server: ${server.output()}`);
    });
    const peak = peakRss(pid);
    log.log(`two at once: HTTP ${answers.map((answer) => answer.status).join(', ')}, peak ${Math.round(peak / MIB)} MiB`);
    for (const answer of answers) expect(answer.status).toBe(413);
    expect(peak).toBeLessThan(PEAK_RSS_BOUND);
    expect(server.child.exitCode).toBeNull();
  }, 120_000);

  it('still answers a wide query that fits: the bound is memory, not width', async () => {
    const answer = await query("SELECT rpad('x', 1000000, 'x') AS wide FROM sales.orders LIMIT 60");
    expect(answer.status).toBe(200);
    expect(answer.body.structuredContent).toMatchObject({ truncated: true });
  }, 60_000);
});
