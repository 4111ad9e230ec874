// Benchmark suite (`npm run bench`, after a build). Spawns the BUILT server and the
// baselines pinned to core 0, drives them from this process pinned to core 1, and repeats
// every scenario BENCH_RUNS times, target and baselines one after the other inside each run
// (order reversed every other run), so every ratio compares figures taken moments apart.
// Every server is warmed up under the scenario's load before the first run, and no server is
// measured while another one on its core is still busy (docs/performance.md, "Method").
// Writes bench/results/bench-<time>.json and regenerates the results block of docs/performance.md.
//
//   BENCH_RUNS (5)  BENCH_SECONDS (3)  BENCH_WARMUP_SECONDS (8, per server and scenario)
//   BENCH_ONLY=ws,xdp,mcp,aa,idle,startup,trino,tracing (all)
//   BENCH_QUICK=1   only the shapes the issue-12 targets are judged on, 3 runs of 1 s (~4 minutes)
//   BENCH_NODE22 / BENCH_NODE20  node binaries for the start-up figures (default: this node for
//                   its own major, else the one `npx -y node@<major>` provides, if it can)
// With BENCH_ONLY, the other groups' figures are carried over from the latest results file, so
// the report stays complete (each scenario keeps the time it was measured at).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeUpstream } from './lib/fakes.mjs';
import { runHttpLoad } from './lib/http-load.mjs';
import { canPin, cpuTimeMs, memoryOf, SERVER_ENV, startNodeServer, waitUntilQuiet } from './lib/processes.mjs';
import { targetLines, writePerformanceReport } from './lib/report.mjs';
import { delay, median, medianOfRuns, round } from './lib/stats.mjs';
import { closeAll, openIdleSessions, runWsLoad } from './lib/ws-load.mjs';
import { connectInspector } from './lib/inspector.mjs';
import { runTrinoQuery } from './lib/trino-query.mjs';
import { startOtlpSink } from './lib/otlp-sink.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = Number(process.env.BENCH_RUNS ?? (QUICK ? 3 : 5));
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 1 : 3));
// A fresh server needs several thousand calls before its JIT-compiled code settles (measured: 2.5 ms
// of CPU per /mcp call in the first second, 0.7 ms after five): 1 s of warm-up per measurement
// favoured whichever server had been loaded before.
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? (QUICK ? 4 : 8));
const GROUPS = ['ws', 'xdp', 'mcp', 'aa', 'idle', 'startup', 'trino', 'tracing'];
const ONLY = new Set((process.env.BENCH_ONLY ?? GROUPS.join(',')).split(','));

const SERVER_ENTRY = join(root, 'dist/apps/xdp-mcp-server/main.js');
const BENCH_SERVER = join(here, 'bench-server.mjs');
const ECHO_BASELINE = join(here, 'baselines/ws-echo.server.mjs');
const SDK_BASELINE = join(here, 'baselines/sdk-stateless.server.mjs');
const SDK_V2_BASELINE = join(here, 'baselines/sdk-v2-minimal.server.mjs');
const BARE_HTTP_BASELINE = join(here, 'baselines/bare-http.server.mjs');

const echoCall = (id) => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"bench_echo","arguments":{"text":"hello"}}}`;
const datastoresCall = (id) =>
  `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"xdp_list_datastores","arguments":{"page":0,"size":20}}}`;
// Quick mode keeps the shapes the targets are judged on (1 x 64, 16 concurrent).
const WS_SHAPES = QUICK
  ? [{ connections: 1, inFlight: 64 }]
  : [
      { connections: 1, inFlight: 1 },
      { connections: 1, inFlight: 64 },
      { connections: 16, inFlight: 1 },
      { connections: 16, inFlight: 64 },
    ];
const MCP_CONCURRENCY = QUICK ? [16] : [1, 16];

async function main() {
  if (!existsSync(SERVER_ENTRY)) throw new Error('dist/ is missing: run `npm run build` first (npm run bench does)');
  const results = {
    startedAt: new Date().toISOString(),
    // The load average says how much else shared the machine (other work skews absolute figures; ratios less).
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      pinned: canPin,
      loadAverage: { start: loadAverage() },
    },
    settings: { runs: RUNS, secondsPerRun: SECONDS, warmupSeconds: WARMUP_SECONDS, quick: QUICK },
    scenarios: [],
  };
  const record = (scenario) => {
    scenario.measuredAt = new Date().toISOString();
    results.scenarios.push(scenario);
    log(
      `${scenario.id}: ${JSON.stringify(scenario.error ?? scenario.target ?? scenario)}${scenario.ratio !== undefined ? ` ratio ${round(scenario.ratio)}` : ''}`,
    );
  };

  // A group that fails is recorded as not measured; the others still run and the report is still written.
  const groups = {
    ws: () => wsScenarios(record, { name: 'bench_echo', label: 'trivial in-process tool', request: echoCall, env: {} }),
    xdp: () => xdpScenarios(record),
    mcp: () => mcpScenarios(record),
    aa: () => aaScenarios(record),
    idle: () => idleMemoryScenarios(record),
    startup: () => startupScenario(record),
    trino: () => trinoScenario(record),
    tracing: () => tracingScenarios(record),
  };
  for (const group of GROUPS.filter((name) => ONLY.has(name))) {
    try {
      await groups[group]();
    } catch (error) {
      record({ id: `${group}:failed`, group, error: String(error?.message ?? error) });
    }
  }

  results.scenarios.push(...carriedOver(results.scenarios));
  results.finishedAt = new Date().toISOString();
  results.machine.loadAverage.end = loadAverage();
  mkdirSync(join(here, 'results'), { recursive: true });
  const file = join(here, 'results', `bench-${results.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  writePerformanceReport(join(root, 'docs/performance.md'), results);
  log(`wrote ${file} and docs/performance.md`);
  for (const line of targetLines(results)) log(line);
}

/** Scenarios of groups not re-measured now, from the latest results file. */
function carriedOver(measured) {
  if (GROUPS.every((group) => ONLY.has(group))) return [];
  const dir = join(here, 'results');
  const latest = existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => /^bench-.*\.json$/.test(name))
        .sort()
        .at(-1)
    : undefined;
  if (!latest) return [];
  const groups = new Set(measured.map((scenario) => scenario.group));
  const previous = JSON.parse(readFileSync(join(dir, latest), 'utf8'));
  return previous.scenarios.filter((scenario) => !ONLY.has(scenario.group) && !groups.has(scenario.group));
}

/** /ws tools/call on one tool vs the bare echo server, for every connection/in-flight shape. */
async function wsScenarios(record, { name, label, request, env, group = 'ws' }) {
  await withServers(
    [() => startNodeServer({ script: BENCH_SERVER, env: { ...SERVER_ENV, ...env } }), () => startNodeServer({ script: ECHO_BASELINE })],
    async ([server, echo]) => {
      for (const shape of WS_SHAPES) {
        const id = `${group}:${name}:${shape.connections}x${shape.inFlight}`;
        await repeated(
          record,
          { id, group, tool: name, label, ...shape },
          {
            target: wsLoad(server, { request, ...shape }),
            baselines: { echo: { name: 'bare ws echo server', ...wsLoad(echo, { request, ...shape }) } },
          },
        );
      }
    },
  );
}

/** A participant of `repeated`: the server and a closed-loop load against it (options override the defaults). */
const wsLoad = (server, options) => ({
  server,
  saturating: options.connections * options.inFlight >= SATURATING,
  run: (overrides) =>
    runWsLoad({ url: `${server.url.replace('http', 'ws')}/ws`, seconds: SECONDS, pid: server.pid, ...options, ...overrides }),
});
const httpLoad = (server, options) => ({
  server,
  saturating: options.concurrency >= SATURATING,
  run: (overrides) => runHttpLoad({ url: `${server.url}/mcp`, seconds: SECONDS, pid: server.pid, ...options, ...overrides }),
});

async function xdpScenarios(record) {
  const fake = await startFakeUpstream('xdp', root, { resetLogMs: 1000 });
  if (!fake.ok) return record({ id: 'xdp', group: 'xdp', error: fake.reason });
  try {
    await wsScenarios(record, {
      name: 'xdp_list_datastores',
      label: 'XDP-backed tool (fake XDP)',
      request: datastoresCall,
      env: fake.serverEnv,
      group: 'xdp',
    });
  } finally {
    await fake.stop();
  }
}

/**
 * /mcp tools/call (stateless, 2025 era) vs the SDK v1 stateless example and a minimal SDK v2
 * createMcpHandler server, the three measured in turn within every repetition.
 */
async function mcpScenarios(record) {
  await withServers(
    [
      () => startNodeServer({ script: BENCH_SERVER, env: SERVER_ENV }),
      () => startNodeServer({ script: SDK_BASELINE }),
      () => startNodeServer({ script: SDK_V2_BASELINE }),
    ],
    async ([server, sdk, sdkV2]) => {
      for (const concurrency of MCP_CONCURRENCY) {
        const load = (target) => httpLoad(target, { concurrency, body: echoCall, headers: MCP_HEADERS });
        await repeated(
          record,
          { id: `mcp:bench_echo:c${concurrency}`, group: 'mcp', tool: 'bench_echo', concurrency },
          {
            target: load(server),
            baselines: {
              sdkV1: { name: 'SDK v1 stateless example', ...load(sdk) },
              sdkV2: { name: 'SDK v2 minimal createMcpHandler server', ...load(sdkV2) },
            },
          },
        );
        // The same call in the 2026-07-28 era (envelope and Mcp-Method/Mcp-Name headers), which
        // both servers hand to the SDK's createMcpHandler; SDK v1 does not speak it.
        const modern = (target) => httpLoad(target, { concurrency, body: modernEchoCall, headers: MCP_2026_HEADERS });
        await repeated(
          record,
          { id: `mcp2026:bench_echo:c${concurrency}`, group: 'mcp', tool: 'bench_echo (2026-07-28)', concurrency },
          {
            target: modern(server),
            baselines: { sdkV2: { name: 'SDK v2 minimal createMcpHandler server', ...modern(sdkV2) } },
          },
        );
      }
    },
  );
}

const MCP_2026_HEADERS = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'bench_echo' };
const MODERN_ENVELOPE = JSON.stringify({
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
});
const modernEchoCall = (id) =>
  `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"bench_echo","arguments":{"text":"hello"},"_meta":${MODERN_ENVELOPE}}}`;

const MCP_HEADERS = { 'mcp-protocol-version': '2025-06-18' };

/**
 * A/A: two identical servers (tracing off) measured exactly like every target and baseline. The
 * harness is fair when this reads 1.00x within the noise; its spread is the noise band the other
 * ratios are read against.
 */
async function aaScenarios(record) {
  await withServers(
    [() => startNodeServer({ script: BENCH_SERVER, env: SERVER_ENV }), () => startNodeServer({ script: BENCH_SERVER, env: SERVER_ENV })],
    async ([first, second]) => {
      const load = (server) => httpLoad(server, { concurrency: 16, body: echoCall, headers: MCP_HEADERS });
      await repeated(
        record,
        { id: 'aa:mcp:c16', group: 'aa', comparison: 'A/A /mcp', tool: 'bench_echo', concurrency: 16 },
        { target: load(first), baselines: { twin: { name: 'identical server', ...load(second) } } },
      );
      const ws = (server) => wsLoad(server, { request: echoCall, connections: 1, inFlight: 64 });
      await repeated(
        record,
        { id: 'aa:ws:1x64', group: 'aa', comparison: 'A/A /ws', tool: 'bench_echo', connections: 1, inFlight: 64 },
        { target: ws(first), baselines: { twin: { name: 'identical server', ...ws(second) } } },
      );
    },
  );
}

/**
 * Tracing over /mcp, three same-run comparisons (issue 15), each with interleaved repetitions:
 * - cost: every span exported (OTLP/HTTP protobuf, always sampled, to a sink in this process) vs tracing off;
 * - off: tracing off (no endpoint) vs an endpoint set but OTEL_SDK_DISABLED=true — the two ways the
 *   SDK is never loaded (TracingService imports it only when enabled), so a difference here is noise;
 * - A/A: two identical servers with tracing off, the noise band the other ratios are read against.
 */
async function tracingScenarios(record) {
  const sink = await startOtlpSink();
  try {
    const tracingEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER: 'always_on', OTEL_BSP_SCHEDULE_DELAY: '200' };
    await withServers(
      [
        () => startNodeServer({ script: BENCH_SERVER, env: { ...SERVER_ENV, ...tracingEnv } }),
        () => startNodeServer({ script: BENCH_SERVER, env: SERVER_ENV }),
        () =>
          startNodeServer({
            script: BENCH_SERVER,
            env: { ...SERVER_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_SDK_DISABLED: 'true' },
          }),
        () => startNodeServer({ script: BENCH_SERVER, env: SERVER_ENV }),
      ],
      async ([traced, untraced, sdkDisabled, untracedTwin]) => {
        const load = (server, concurrency) => httpLoad(server, { concurrency, body: echoCall, headers: MCP_HEADERS });
        for (const concurrency of MCP_CONCURRENCY) {
          await repeated(
            record,
            { id: `tracing:mcp:bench_echo:c${concurrency}`, group: 'tracing', comparison: 'on vs off', tool: 'bench_echo', concurrency },
            {
              target: load(traced, concurrency),
              baselines: { off: { name: 'same server, tracing off', ...load(untraced, concurrency) } },
            },
          );
        }
        const exported = sink.stats.requests;
        await repeated(
          record,
          {
            id: 'tracing:off-vs-sdk-disabled:c16',
            group: 'tracing',
            comparison: 'off vs SDK disabled',
            tool: 'bench_echo',
            concurrency: 16,
          },
          {
            target: load(untraced, 16),
            baselines: { sdkDisabled: { name: 'endpoint set, OTEL_SDK_DISABLED=true', ...load(sdkDisabled, 16) } },
          },
        );
        await repeated(
          record,
          { id: 'tracing:aa:c16', group: 'tracing', comparison: 'A/A', tool: 'bench_echo', concurrency: 16 },
          {
            target: load(untraced, 16),
            baselines: { twin: { name: 'identical server, tracing off', ...load(untracedTwin, 16) } },
          },
        );
        if (sink.stats.requests !== exported) throw new Error('tracing bench: a server with tracing off or disabled exported spans');
      },
    );
    log(`tracing: the sink received ${sink.stats.requests} export requests, ${sink.stats.bytes} bytes`);
    if (sink.stats.requests === 0) throw new Error('tracing bench: no span reached the OTLP sink');
  } finally {
    await sink.close();
  }
}

/**
 * RSS added per idle, initialized WebSocket session, on a fresh process each time, read two ways
 * (see idleSessionCost): after a full GC, and as before 2026-12-04 without one.
 */
async function idleMemoryScenarios(record) {
  const servers = {
    target: (nodeArgs) => startNodeServer({ script: BENCH_SERVER, env: SERVER_ENV, nodeArgs }),
    baseline: (nodeArgs) => startNodeServer({ script: ECHO_BASELINE, nodeArgs }),
  };
  for (const count of [1000, 5000]) {
    const runs = [];
    for (let run = 0; run < RUNS; run++) {
      const figures = {};
      for (const [role, start] of Object.entries(servers)) {
        const held = await idleSessionCost(start, count, { collectGarbage: true });
        const withGarbage = await idleSessionCost(start, count, { collectGarbage: false });
        figures[role] = { ...held, bytesPerSessionWithGarbage: withGarbage.bytesPerSession };
      }
      runs.push(figures);
    }
    const target = medianOfRuns(runs.map((run) => run.target));
    const baseline = medianOfRuns(runs.map((run) => run.baseline));
    record({
      id: `idle:${count}`,
      group: 'idle',
      connections: count,
      baselineName: 'bare ws echo server',
      target,
      baseline,
      ratio: target.bytesPerSession / baseline.bytesPerSession,
      runs,
    });
  }
}

/**
 * Memory per session, after one-time costs: the first sessions of a process compile the code paths
 * and fill caches that the next thousands reuse, so both the server and the echo baseline first
 * open WARM_SESSIONS sessions (kept open) and finish their background start-up work; the reading
 * is then taken across `count` more sessions, 1.5 s after the last one opened.
 *
 * With `collectGarbage`, the process runs with the inspector, through which the bench asks for a
 * full garbage collection before each RSS reading: the figure is what the sessions hold
 * (`heapBytesPerSession` is the live JavaScript heap per session). Without it (the only reading
 * before 2026-12-04), the figure also counts the garbage the openings left for V8's next full
 * collection; that reading is taken in a process without the inspector, which would inflate it.
 */
async function idleSessionCost(start, count, { collectGarbage }) {
  const server = await start(collectGarbage ? ['--inspect=127.0.0.1:0'] : []);
  const inspector = collectGarbage ? await connectInspector(server.stderr()) : undefined;
  const reading = async () => {
    if (inspector) {
      await inspector.collectGarbage();
      // V8 hands freed pages back to the system from a background thread, after the collection.
      await settle();
    }
    return { rss: memoryOf(server.pid).rss, heap: await inspector?.heapUsed() };
  };
  try {
    const url = `${server.url.replace('http', 'ws')}/ws`;
    const warm = await openIdleSessions(url, WARM_SESSIONS);
    await waitUntilQuiet([server.pid]);
    await settle();
    const before = await reading();
    const sockets = await openIdleSessions(url, count);
    await settle();
    const after = await reading();
    await closeAll([...warm, ...sockets]);
    return {
      bytesPerSession: (after.rss - before.rss) / count,
      ...(inspector && { heapBytesPerSession: (after.heap - before.heap) / count }),
      rssBefore: before.rss,
      rssAfter: after.rss,
      warmSessions: WARM_SESSIONS,
    };
  } finally {
    inspector?.close();
    await server.stop();
  }
}
const WARM_SESSIONS = 100;

/**
 * Spawn of the production entry (the bundled dist/apps/xdp-mcp-server/main.js) until the first
 * 200 on /health, vs a bare node:http server on the same Node, alternating; on Node 22 (the
 * image's) and Node 20. Three compile-cache states on Node 22: warm (`startupMs`: a restarted
 * container's /tmp), a new pod (`newPodStartupMs`: empty /tmp, seeded by the loader from the cache
 * the image ships, made here as the Dockerfile does with scripts/warm-compile-cache.mjs), and no
 * cache at all (`coldStartupMs`: the shipped one hidden). Node 20 has no compile cache.
 */
async function startupScenario(record) {
  for (const major of [22, 20]) {
    const id = `startup:node${major}`;
    const nodePath = nodeBinary(major);
    if (!nodePath) {
      record({ id, group: 'startup', node: major, error: `no Node ${major} binary (set BENCH_NODE${major})` });
      continue;
    }
    const cacheDir = (name) => join(os.tmpdir(), `xdp-mcp-bench-compile-cache-${major}-${name}`);
    const env = (cache) => ({ NODE_ENV: 'production', AUTH_MODE: 'none', NODE_COMPILE_CACHE: cache });
    const shipped = major >= 22 && shipCompileCache(nodePath);
    rmSync(cacheDir('warm'), { recursive: true, force: true });
    await (await startNodeServer({ script: SERVER_ENTRY, env: env(cacheDir('warm')), nodePath })).stop();
    const fresh = async (name) => {
      rmSync(cacheDir(name), { recursive: true, force: true });
      const server = await startNodeServer({ script: SERVER_ENTRY, env: env(cacheDir(name)), nodePath });
      await server.stop();
      return server.startupMs;
    };
    const runs = [];
    for (let run = 0; run < Math.max(5, RUNS); run++) {
      const target = await startNodeServer({ script: SERVER_ENTRY, env: env(cacheDir('warm')), nodePath });
      await target.stop();
      const newPodStartupMs = shipped ? await fresh('new-pod') : undefined;
      if (shipped) renameSync(SHIPPED_CACHE, `${SHIPPED_CACHE}.hidden`);
      const coldStartupMs = await fresh('cold').finally(() => shipped && renameSync(`${SHIPPED_CACHE}.hidden`, SHIPPED_CACHE));
      const baseline = await startNodeServer({ script: BARE_HTTP_BASELINE, healthPath: '/', nodePath });
      await baseline.stop();
      runs.push({
        target: { startupMs: target.startupMs, ...(shipped ? { newPodStartupMs } : {}), coldStartupMs },
        baseline: { startupMs: baseline.startupMs },
      });
    }
    const target = medianOfRuns(runs.map((run) => run.target));
    const baseline = medianOfRuns(runs.map((run) => run.baseline));
    const version = spawnSync(nodePath, ['--version'], { encoding: 'utf8' }).stdout.trim();
    record({
      id,
      group: 'startup',
      node: major,
      nodeVersion: version,
      baselineName: 'bare node:http server',
      target,
      baseline,
      ratio: target.startupMs / baseline.startupMs,
      runs,
    });
  }
}

const SHIPPED_CACHE = join(dirname(SERVER_ENTRY), 'compile-cache');
/** Makes the compile cache the image ships, with this Node (the Dockerfile's step); false when it cannot. */
function shipCompileCache(nodePath) {
  const made = spawnSync(nodePath, [join(root, 'scripts/warm-compile-cache.mjs')], { encoding: 'utf8', timeout: 120_000 });
  if (made.status !== 0) log(`no shipped compile cache: ${made.stderr.trim().split('\n').at(-1)}`);
  return made.status === 0;
}

/** A node binary of the given major: BENCH_NODE<major>, this node, or the one npx installs (cached after the first time). */
function nodeBinary(major) {
  const configured = process.env[`BENCH_NODE${major}`];
  if (configured) return configured;
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  const found = spawnSync('npx', ['-y', `node@${major}`, '-p', 'process.execPath'], { encoding: 'utf8', timeout: 120_000 });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/** trino_execute_query over a 1,000,000-row fake Trino result with the default row cap. */
async function trinoScenario(record) {
  const fake = await startFakeUpstream('trino', root, {
    start: { pageSize: 1000 },
    generated: { match: 'million', rowCount: 1_000_000, pageSize: 1000 },
  });
  if (!fake.ok) return record({ id: 'trino:1M', group: 'trino', error: fake.reason });
  try {
    const runs = [];
    for (let run = 0; run < RUNS; run++) {
      const server = await startNodeServer({ script: SERVER_ENTRY, env: { ...SERVER_ENV, ...fake.serverEnv } });
      try {
        await settle();
        runs.push({ target: await runTrinoQuery(server, fake) });
      } finally {
        await server.stop();
      }
    }
    const target = medianOfRuns(runs.map((run) => run.target));
    record({ id: 'trino:1M', group: 'trino', target, runs });
  } finally {
    await fake.stop();
  }
}

/**
 * Runs the target and every baseline RUNS times and records the medians and the ratio of the
 * target to each baseline (the median of the per-run ratios: each run's figures were taken
 * moments apart). `baseline`/`ratio` are the first baseline's, for the tables.
 *
 * Fairness (all servers share core 0, so they are never loaded at once): before the first run
 * the servers must be idle (their background start-up work done) and each is warmed up under this
 * scenario's load for WARMUP_SECONDS; within a run the order is target first, reversed in every
 * other run, so neither position is favoured; before each measurement the load generator collects
 * its garbage and the previous server's connections are closed. Each figure records the CPU the
 * other servers used while it was measured (`othersCpuMs`), which should be ~0.
 */
async function repeated(record, scenario, { target, baselines }) {
  const names = Object.keys(baselines);
  const participants = [['target', target], ...names.map((name) => [name, baselines[name]])];
  const pids = [...new Set(participants.map(([, participant]) => participant.server.pid))];
  const runs = [];
  let quiet;
  try {
    quiet = await waitUntilQuiet(pids);
    for (const [, participant] of participants) await measureOne(participant, pids, { warmupSeconds: 0, seconds: WARMUP_SECONDS });
    for (let run = 0; run < RUNS; run++) {
      const order = run % 2 === 0 ? participants : [...participants].reverse();
      const figures = {};
      for (const [key, participant] of order) figures[key] = await measureOne(participant, pids);
      runs.push(figures);
    }
  } catch (error) {
    return record({ ...scenario, error: String(error?.message ?? error) });
  }
  const summary = (key) => ({ ...medianOfRuns(runs.map((run) => run[key])), errors: sum(runs.map((run) => run[key].errors)) });
  const measuredTarget = summary('target');
  const measuredBaselines = Object.fromEntries(names.map((name) => [name, { name: baselines[name].name, ...summary(name) }]));
  const perRun = (name) => runs.map((run) => run.target.requestsPerSecond / run[name].requestsPerSecond);
  const ratios = Object.fromEntries(names.map((name) => [name, median(perRun(name))]));
  const ratioRanges = Object.fromEntries(names.map((name) => [name, [Math.min(...perRun(name)), Math.max(...perRun(name))]]));
  const firstError = runs.find((run) => run.target.firstError)?.target.firstError;
  record({
    ...scenario,
    baselineName: baselines[names[0]].name,
    target: measuredTarget,
    baseline: measuredBaselines[names[0]],
    ratio: ratios[names[0]],
    baselines: measuredBaselines,
    ratios,
    ratioRanges,
    ...(quiet.quiet ? {} : { notQuietBeforeWarmup: quiet.cpuMsInLastWindow }),
    ...(firstError ? { firstError } : {}),
    runs,
  });
}

/**
 * One measurement of one server, after the load generator's GC and a pause that lets the previous
 * one's connections close. The cores are shared with work this bench does not control (other
 * processes, other guests of the VM): in a closed loop with many requests in flight the bottleneck
 * (the server or the generator) runs at about a full core, so a measurement where neither got
 * MIN_BOTTLENECK_SHARE of its core was starved from outside (measured: 3 s windows with 0–8
 * replies and both processes idle) and is taken again, up to MAX_ATTEMPTS times; one still starved
 * is kept and marked `starved`. With one or a few requests in flight neither side is saturated
 * (they take turns: measured 0.7 + 0.2 of a core with tracing on), so there only the sum of their
 * shares is checked, against MIN_TURN_TAKING_SHARE.
 */
async function measureOne(participant, pids, overrides = {}) {
  const others = pids.filter((pid) => pid !== participant.server.pid);
  let figures;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    globalThis.gc?.();
    await delay(250);
    const before = others.map(cpuTimeMs);
    figures = await participant.run(overrides);
    figures.othersCpuMs = sum(others.map((pid, index) => cpuTimeMs(pid) - before[index]));
    figures.attempts = attempt;
    const server = figures.serverCpuShare ?? 1;
    const fed = participant.saturating
      ? Math.max(server, figures.generatorCpuShare) >= MIN_BOTTLENECK_SHARE
      : server + figures.generatorCpuShare >= MIN_TURN_TAKING_SHARE;
    if (fed) return figures;
    log(
      `starved measurement (server ${round(figures.serverCpuShare)}, generator ${round(figures.generatorCpuShare)} of a core), taken again`,
    );
  }
  return { ...figures, starved: true };
}
const MIN_BOTTLENECK_SHARE = 0.8;
const MIN_TURN_TAKING_SHARE = 0.6;
/** Requests in flight from which a load saturates the server or the generator. */
const SATURATING = 16;
const MAX_ATTEMPTS = 3;

async function withServers(starters, body) {
  const servers = [];
  try {
    for (const start of starters) servers.push(await start());
    await settle();
    await body(servers);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

const loadAverage = () =>
  os
    .loadavg()
    .map((value) => round(value, 2))
    .join(' / ');
const settle = () => new Promise((resolve) => setTimeout(resolve, 1500));
const sum = (values) => values.reduce((total, value) => total + value, 0);
const log = (line) => process.stderr.write(`[bench] ${line}\n`);

// The load generator (this process) takes core 1; servers are spawned on core 0.
if (canPin && process.env.BENCH_CLIENT_PINNED !== '1') {
  // --expose-gc: the generator collects its own garbage between measurements, not during the next one.
  const { status } = spawnSync(
    'taskset',
    ['-c', '1', process.execPath, '--expose-gc', ...process.execArgv, fileURLToPath(import.meta.url)],
    {
      stdio: 'inherit',
      env: { ...process.env, BENCH_CLIENT_PINNED: '1' },
    },
  );
  process.exit(status ?? 1);
} else {
  main().catch((error) => {
    log(`failed: ${error?.stack ?? error}`);
    process.exit(1);
  });
}
