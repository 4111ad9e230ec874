// On-demand load/soak run against the BUILT server (after `npm run build`):
//   node bench/load.mjs            LOAD_WS_CLIENTS (32) LOAD_HTTP_CLIENTS (8) LOAD_SECONDS (60)
//                                  LOAD_RSS_BOUND_MB (50) LOAD_TOOL (bench_echo | xdp_list_datastores)
// N /ws sessions and M stateless /mcp callers make tools/calls back to back for T seconds; the run
// fails on any error or when RSS grows more than the bound after warm-up. Then, with the same load
// running, the server gets SIGTERM: every call already sent must still be answered and the process
// must exit 0. Writes bench/results/load-<time>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeUpstream } from './lib/fakes.mjs';
import { memoryOf, SERVER_ENV, startNodeServer } from './lib/processes.mjs';
import { startSoak } from './lib/soak.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const WS_CLIENTS = Number(process.env.LOAD_WS_CLIENTS ?? 32);
const HTTP_CLIENTS = Number(process.env.LOAD_HTTP_CLIENTS ?? 8);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const RSS_BOUND = Number(process.env.LOAD_RSS_BOUND_MB ?? 50) * 2 ** 20;
const TOOL = process.env.LOAD_TOOL ?? 'bench_echo';
const CALL =
  TOOL === 'xdp_list_datastores' ? { name: TOOL, arguments: { page: 0, size: 20 } } : { name: 'bench_echo', arguments: { text: 'soak' } };

const log = (line) => process.stderr.write(`[load] ${line}\n`);
const fake = TOOL === 'xdp_list_datastores' ? await startFakeUpstream('xdp', join(here, '..'), { resetLogMs: 1000 }) : undefined;
if (fake && !fake.ok) throw new Error(fake.reason);
const env = { ...SERVER_ENV, ...(fake?.serverEnv ?? {}) };

async function soak() {
  const server = await startNodeServer({ script: join(here, 'bench-server.mjs'), env });
  try {
    log(`soak: ${WS_CLIENTS} /ws + ${HTTP_CLIENTS} /mcp clients calling ${TOOL} for ${SECONDS} s`);
    const run = startSoak({
      baseUrl: server.url,
      wsClients: WS_CLIENTS,
      httpClients: HTTP_CLIENTS,
      seconds: SECONDS,
      warmupSeconds: Math.min(15, SECONDS / 4),
      call: CALL,
      rssOf: () => memoryOf(server.pid).rss,
    });
    const result = await run.done;
    return { ...result, callsPerSecond: result.calls / SECONDS };
  } finally {
    await server.stop();
  }
}

async function sigtermUnderLoad() {
  const server = await startNodeServer({ script: join(here, 'bench-server.mjs'), env: { ...env, SHUTDOWN_GRACE_MS: '10000' } });
  const run = startSoak({
    baseUrl: server.url,
    wsClients: WS_CLIENTS,
    httpClients: HTTP_CLIENTS,
    seconds: 60,
    warmupSeconds: 1,
    call: CALL,
    rssOf: () => memoryOf(server.pid).rss,
  });
  await new Promise((resolve) => setTimeout(resolve, 3000));
  server.child.kill('SIGTERM');
  const exit = await server.exited;
  run.stop();
  const result = await run.done;
  return {
    exit,
    sent: result.sent,
    succeeded: result.calls,
    refusedWhileDraining: result.refusedWhileDraining,
    lost: result.lost,
    errors: result.errors,
    errorSamples: result.errorSamples.slice(0, 3),
  };
}

const soakResult = await soak();
log(
  `soak: ${soakResult.calls} calls (${Math.round(soakResult.callsPerSecond)}/s), ${soakResult.errors} errors, RSS growth after warm-up ${(soakResult.rssGrowthAfterWarmup / 2 ** 20).toFixed(1)} MB`,
);
const sigterm = await sigtermUnderLoad();
log(
  `SIGTERM under load: exit ${JSON.stringify(sigterm.exit)}, ${sigterm.sent} calls sent, ${sigterm.succeeded} succeeded, ${sigterm.refusedWhileDraining} refused while draining, ${sigterm.lost} lost, ${sigterm.errors} errors`,
);
await fake?.stop();

const passed = soakResult.errors === 0 && soakResult.rssGrowthAfterWarmup < RSS_BOUND && sigterm.errors === 0 && sigterm.exit.code === 0;
mkdirSync(join(here, 'results'), { recursive: true });
const file = join(here, 'results', `load-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  file,
  JSON.stringify(
    {
      settings: { WS_CLIENTS, HTTP_CLIENTS, SECONDS, TOOL, rssBoundBytes: RSS_BOUND },
      soak: { ...soakResult, rssSamples: soakResult.rssSamples },
      sigterm,
      passed,
    },
    null,
    2,
  ) + '\n',
);
log(`${passed ? 'PASSED' : 'FAILED'}; wrote ${file}`);
process.exit(passed ? 0 : 1);
