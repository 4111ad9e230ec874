import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ConsoleLogger } from '@nestjs/common';
import { FakeTrinoServer, type FakeQueryScript } from './fakes/fake-trino.server.js';
import { FakeXdpServer } from './fakes/fake-xdp.server.js';
import { startTestServer, type TestServer } from './support/app-harness.js';
import type { HealthWatchReport } from './support/health-watch.js';
import { spawnServer, type SpawnedServer } from './support/spawned-server.js';

/**
 * A hostile or broken upstream cannot take the process down, nor steer our credentials: wide
 * rows and huge pages end as answers or errors within RESULT_MAX_BYTES (measured on the wire),
 * and a coordinator pointing `nextUri`, `infoUri` or a redirect at another host gets nothing
 * sent there. The memory part runs the BUILT server in its own process, as a pod does: its
 * peak RSS stays under the pod limit and `/health` answers within 250 ms throughout (probed from
 * a worker thread, so that only the server's own stalls count).
 */

/** The shipped RESULT_MAX_BYTES: the tests run on the default, as a pod does. */
const BUDGET = 262_144;
const POD_MEMORY_LIMIT = 512 * 1024 * 1024;
const MB = 1_000_000;
const MAIN = join(__dirname, '..', 'dist/apps/xdp-mcp-server/main.js');
const USER = 'mcp';
const PASSWORD = 'trino-pass-9f8e7d';
// Its own console logger: the apps booted in this process take over Nest's shared one.
const log = new ConsoleLogger('hostile-upstream');

jest.setTimeout(120_000);

const wide = (rowCount: number, pageSize = 2): FakeQueryScript => ({
  match: new RegExp(`wide_${rowCount}\\b`),
  pageSize,
  behaviour: {
    kind: 'generated',
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'blob', type: 'varchar' },
    ],
    rowCount,
    row: (i) => [i, 'x'.repeat(MB)],
  },
});
const HUGE_PAGE: FakeQueryScript = { match: /huge_page/, behaviour: { kind: 'huge-page', bytes: 200 * MB } };
const GZIP_BOMB: FakeQueryScript = { match: /gzip_bomb/, behaviour: { kind: 'huge-page', bytes: 200 * MB, gzip: true } };

interface WireAnswer {
  status: number;
  /** Bytes of the serialized answer as it crossed the socket. */
  bytes: number;
  body: any;
}

async function restQuery(baseUrl: string, query: string, maxRows = 100, dataplane?: string): Promise<WireAnswer> {
  const response = await fetch(`${baseUrl}/api/trino/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, maxRows, dataplane }),
  });
  const text = await response.text();
  return { status: response.status, bytes: Buffer.byteLength(text), body: JSON.parse(text) };
}

/** tools/call on stateless /mcp, answered as plain JSON: the JSON-RPC message is the whole body. */
async function mcpQuery(baseUrl: string, query: string, maxRows = 100): Promise<WireAnswer> {
  const response = await fetch(`${baseUrl}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'trino_execute_query', arguments: { query, maxRows } },
    }),
  });
  const text = await response.text();
  const json = text.startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? '');
  return { status: response.status, bytes: Buffer.byteLength(json), body: JSON.parse(json).result };
}

/**
 * test/support/health-watch.ts, compiled and run in a worker thread: its probes get their own
 * event loop and heap, so this process's garbage collection and the fake upstream's work (it
 * runs here too) are not mistaken for the server's.
 */
const HEALTH_WATCH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { transformFileSync } = require('@swc/core');
const { code } = transformFileSync(workerData.source, { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } });
const module_ = { exports: {} };
new Function('module', 'exports', 'require', code)(module_, module_.exports, require);
const watch = new module_.exports.HealthWatch(workerData.baseUrl, workerData.timeoutMs);
parentPort.once('message', () => watch.stop().then((report) => parentPort.postMessage(report)));
parentPort.postMessage('started');
`;

async function startHealthWatch(baseUrl: string): Promise<{ stop(): Promise<HealthWatchReport> }> {
  const worker = new Worker(HEALTH_WATCH_WORKER, {
    eval: true,
    workerData: { source: join(__dirname, 'support/health-watch.ts'), baseUrl, timeoutMs: 250 },
  });
  await once(worker, 'message');
  return {
    async stop() {
      worker.postMessage('stop');
      const [report] = (await once(worker, 'message')) as [HealthWatchReport];
      await worker.terminate();
      return report;
    },
  };
}

/** Runs `attack` while a HealthWatch polls /health, and returns both outcomes. */
async function watched<T>(baseUrl: string, attack: () => Promise<T>): Promise<{ result: T; health: HealthWatchReport }> {
  const watch = await startHealthWatch(baseUrl);
  let result: T;
  try {
    result = await attack();
  } catch (error) {
    await watch.stop();
    throw error;
  }
  return { result, health: await watch.stop() };
}

function expectBoundedCut(answer: WireAnswer, rowCount: number): void {
  expect(answer.status).toBe(200);
  expect(answer.bytes).toBeLessThanOrEqual(BUDGET);
  expect(answer.body.isError).toBeFalsy();
  expect(answer.body.structuredContent).toMatchObject({ truncated: true, truncatedBy: 'bytes' });
  const kept = answer.body.structuredContent.rowCount;
  expect(kept).toBeGreaterThanOrEqual(1);
  expect(kept).toBeLessThan(rowCount);
  expect(answer.body.structuredContent.rows[kept - 1][1]).toMatch(/…\[cut: 1000002 bytes in full\]$/);
  expect(answer.body.content[0].text).toContain(`Result cut to fit the ${BUDGET}-byte result budget (RESULT_MAX_BYTES)`);
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Hostile Trino coordinator, in process (e2e)', () => {
  let fake: FakeTrinoServer;
  /** Where a hostile coordinator points; it must never be contacted. */
  let elsewhere: FakeTrinoServer;
  let server: TestServer;

  beforeAll(async () => {
    fake = await FakeTrinoServer.start({ auth: { basic: { user: USER, password: PASSWORD } } });
    elsewhere = await FakeTrinoServer.start();
    server = await startTestServer({
      env: { TRINO_URL: fake.url, TRINO_USER: USER, TRINO_PASSWORD: PASSWORD, TRINO_QUERY_TIMEOUT_MS: '30000' },
      imports: [],
    });
    // Jest compiles modules on first use, in this process: warm both paths up as a pod is before traffic.
    await restQuery(server.url, 'SELECT 1');
    await mcpQuery(server.url, 'SELECT 1');
  });

  afterEach(() => {
    fake.reset();
    elsewhere.reset();
  });

  afterAll(async () => {
    await server?.close();
    await fake?.close();
    await elsewhere?.close();
  });

  it.each([
    ['REST', restQuery],
    ['/mcp', mcpQuery],
  ])('answers 60 rows of 1 MB over %s within RESULT_MAX_BYTES, the crossing row cut, and cancels the query', async (_name, call) => {
    fake.script(wide(60));
    expectBoundedCut(await call(server.url, 'SELECT * FROM wide_60'), 60);
    await until(() => fake.cancelled.length === 1);
  });

  it('answers 4,000 rows of 1 MB (maxRows 4000) within RESULT_MAX_BYTES after reading one page', async () => {
    fake.script(wide(4000));
    expectBoundedCut(await restQuery(server.url, 'SELECT * FROM wide_4000', 4000), 4000);
    // POST, the queued page, the page without columns, the first data page: reading stopped there.
    expect(fake.requests.filter((request) => request.method === 'GET')).toHaveLength(3);
  });

  it('keeps as many whole narrow rows as fit', async () => {
    fake.script({
      match: /narrow/,
      pageSize: 500,
      behaviour: {
        kind: 'generated',
        columns: [
          { name: 'id', type: 'integer' },
          { name: 'note', type: 'varchar' },
        ],
        rowCount: 10_000,
        row: (i) => [i, `note ${i} `.repeat(20)],
      },
    });
    const answer = await restQuery(server.url, 'SELECT * FROM narrow', 10_000);
    expect(answer.bytes).toBeLessThanOrEqual(BUDGET);
    const { rows, rowCount } = answer.body.structuredContent;
    expect(rowCount).toBeGreaterThan(500);
    expect(rows[rowCount - 2]).toEqual([rowCount - 2, `note ${rowCount - 2} `.repeat(20)]);
  });

  it.each([
    ['a 200 MB page', HUGE_PAGE, 'huge_page'],
    ['a gzip bomb inflating to 200 MB', GZIP_BOMB, 'gzip_bomb'],
  ])('refuses %s with a clear error after reading at most the page limit', async (_name, script, table) => {
    fake.script(script);
    const result = await restQuery(server.url, `SELECT * FROM ${table}`);
    expect(result.status).toBe(502);
    expect(result.bytes).toBeLessThanOrEqual(BUDGET);
    expect(result.body.error.message).toMatch(
      /Trino's answer to GET nextUri is larger than 8388608 bytes, the page size limit \(derived from RESULT_MAX_BYTES\)/,
    );
    // The fake stops writing when the client hangs up: far less than 200 MB left it.
    await until(() => fake.running === 0 || fake.cancelled.length > 0);
    expect(fake.hugeBytesSent).toBeLessThan(64 * MB);
  });

  it.each([
    [
      'a nextUri on the POST reply',
      { kind: 'off-origin' as const, field: 'nextUri' as const, afterPages: 0 },
      /^The nextUri Trino sent is not on TRINO_URL's origin; it is not followed/,
    ],
    [
      'a nextUri on a later page',
      { kind: 'off-origin' as const, field: 'nextUri' as const, afterPages: 2 },
      /^The nextUri Trino sent is not on TRINO_URL's origin; it is not followed/,
    ],
    [
      'an infoUri',
      { kind: 'off-origin' as const, field: 'infoUri' as const, afterPages: 1 },
      /^The infoUri Trino sent is not on TRINO_URL's origin; it is not followed/,
    ],
  ])('refuses %s pointing at another host and sends it nothing', async (_name, behaviour, message) => {
    fake.script({ match: /steer/, behaviour: { ...behaviour, origin: elsewhere.url } });
    const answer = await restQuery(server.url, 'SELECT 1 AS steer');
    expect(answer.status).toBe(502);
    expect(answer.body.error.message).toMatch(message);
    expect(answer.body.error.message).toContain('credentials are only sent to TRINO_URL');
    for (const secretOrAddress of [PASSWORD, fake.url, elsewhere.url]) expect(answer.body.error.message).not.toContain(secretOrAddress);
    // A query already under way is still cancelled, on the configured origin.
    if (behaviour.afterPages > 0) await until(() => fake.cancelled.length === 1);
    expect(elsewhere.requests).toEqual([]);
  });

  it('does not follow a redirect of nextUri to another host', async () => {
    fake.script({ match: /moved/, behaviour: { kind: 'redirect', location: `${elsewhere.url}/v1/statement/executing/x/y/1` } });
    const answer = await restQuery(server.url, 'SELECT 1 AS moved');
    expect(answer.status).toBe(502);
    expect(answer.body.error.message).toContain('with a redirect (HTTP 307); redirects are not followed');
    expect(elsewhere.requests).toEqual([]);
    expect(fake.requests.filter((request) => request.method === 'GET')).toHaveLength(1);
  });
});

describe('Wide answers from an XDP dataplane, in process (e2e)', () => {
  let xdp: FakeXdpServer;
  let server: TestServer;

  beforeAll(async () => {
    // XDP answers once with every row: "wide_<n>" asks for n rows of 1 MB.
    xdp = await FakeXdpServer.start({
      onQuery: ({ query }) => {
        const rowCount = Number(/wide_(\d+)/.exec(query)?.[1] ?? 1);
        return {
          columns: [
            { name: 'id', type: 'integer' },
            { name: 'blob', type: 'varchar' },
          ],
          rows: Array.from({ length: rowCount }, (_, i) => [i, 'x'.repeat(MB)]),
        };
      },
    });
    server = await startTestServer({ env: xdp.env(), imports: [] });
  });

  afterAll(async () => {
    await server?.close();
    await xdp?.close();
  });

  it('keeps 20 rows of 1 MB (a 20 MB answer) within RESULT_MAX_BYTES', async () => {
    expectBoundedCut(await restQuery(server.url, 'SELECT * FROM wide_20', 100, '168'), 20);
  });

  it('refuses an answer larger than XDP_MAX_RESPONSE_BYTES with a clear error', async () => {
    const answer = await restQuery(server.url, 'SELECT * FROM wide_40', 100, '168');
    expect(answer.status).toBe(502);
    expect(answer.bytes).toBeLessThanOrEqual(BUDGET);
    expect(answer.body.error.message).toContain('larger than XDP_MAX_RESPONSE_BYTES (33554432 bytes)');
  });
});

/** Peak resident set (VmHWM) of a process since its last `resetPeakRss`, bytes. */
function peakRss(pid: number): number {
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
}

/** CPU time (user + system) a process has used, ms: its own work, whatever the machine's load. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of the line, in clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Linux: writing 5 to clear_refs resets VmHWM to the current RSS, so each case gets its own peak. */
function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

const describeBuilt = existsSync(MAIN) ? describe : describe.skip;

describeBuilt('Memory of the built server under the worst single request (e2e, spawned process)', () => {
  let fake: FakeTrinoServer;
  let trinoServer: SpawnedServer;
  let duckdbServer: SpawnedServer;

  beforeAll(async () => {
    fake = await FakeTrinoServer.start({ auth: { basic: { user: USER, password: PASSWORD } } });
    fake.script(wide(60)).script(wide(4000)).script(HUGE_PAGE).script(GZIP_BOMB);
    [trinoServer, duckdbServer] = await Promise.all([
      spawnServer(MAIN, { TRINO_URL: fake.url, TRINO_USER: USER, TRINO_PASSWORD: PASSWORD, LOG_LEVEL: 'warn' }),
      spawnServer(MAIN, { LOG_LEVEL: 'warn' }),
    ]);
    // A first query compiles the code paths it takes; a pod has served others before the attack.
    await Promise.all([restQuery(trinoServer.url, 'SELECT 1'), restQuery(duckdbServer.url, 'SELECT 1')]);
  });

  afterAll(async () => {
    for (const spawned of [trinoServer, duckdbServer]) {
      spawned?.child.kill('SIGTERM');
      await spawned?.exit;
    }
    await fake?.close();
  });

  it.each([
    ['60 rows of 1 MB', 'SELECT * FROM wide_60', 100, 200],
    ['4,000 rows of 1 MB', 'SELECT * FROM wide_4000', 4000, 200],
    ['a 200 MB page', 'SELECT * FROM huge_page', 100, 502],
    ['a 200 MB gzip bomb', 'SELECT * FROM gzip_bomb', 100, 502],
  ])('direct Trino, %s: answer within the budget, process alive, peak RSS under the pod limit', async (name, query, maxRows, status) => {
    const before = trinoServer.rss();
    resetPeakRss(trinoServer.child.pid!);
    const cpuBefore = cpuMs(trinoServer.child.pid!);
    const { result, health } = await watched(trinoServer.url, () => restQuery(trinoServer.url, query, maxRows));
    const peak = peakRss(trinoServer.child.pid!);
    const cpu = cpuMs(trinoServer.child.pid!) - cpuBefore;
    log.log(
      `direct Trino, ${name}: ${result.bytes} bytes answered, RSS ${mib(before)} → peak ${mib(peak)} MiB, server CPU ${cpu} ms (probes included), /health slowest ${health.slowestMs} ms over ${health.probes} probes`,
    );
    expect(result.status).toBe(status);
    expect(result.bytes).toBeLessThanOrEqual(BUDGET);
    expect(health.failures).toEqual([]);
    expect(trinoServer.child.exitCode).toBeNull();
    expect(peak).toBeLessThan(POD_MEMORY_LIMIT);
  });

  it('DuckDB default, 60 rows of 1 MB: answer within the budget, process alive, peak RSS under the pod limit', async () => {
    const before = duckdbServer.rss();
    resetPeakRss(duckdbServer.child.pid!);
    const cpuBefore = cpuMs(duckdbServer.child.pid!);
    const { result, health } = await watched(duckdbServer.url, () =>
      restQuery(duckdbServer.url, "SELECT rpad('x', 1000000, 'x') AS blob FROM UNNEST(range(60)) AS t(i)"),
    );
    const peak = peakRss(duckdbServer.child.pid!);
    const cpu = cpuMs(duckdbServer.child.pid!) - cpuBefore;
    log.log(
      `DuckDB, 60 rows of 1 MB: ${result.bytes} bytes answered, RSS ${mib(before)} → peak ${mib(peak)} MiB, server CPU ${cpu} ms (probes included), /health slowest ${health.slowestMs} ms over ${health.probes} probes`,
    );
    expect(result.status).toBe(200);
    expect(result.bytes).toBeLessThanOrEqual(BUDGET);
    expect(result.body.structuredContent).toMatchObject({ truncated: true, truncatedBy: 'bytes' });
    // /health during DuckDB's own reading is asserted by the DuckDB engine's hostile suite: the rows
    // it converts before the byte budget applies are its part; this answer's bound is the service's.
    expect(duckdbServer.child.exitCode).toBeNull();
    expect(peak).toBeLessThan(POD_MEMORY_LIMIT);
  });
});

function mib(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}
