import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** `taskset` pins servers to one core (and the load generator to the other) when available. */
/**
 * Server settings for every bench and soak: production defaults apart from what one load generator
 * needs lifted — no auth, no per-caller request rate limit or per-caller connection cap (every bench
 * connection is the same anonymous caller). The global caps (MAX_CONNECTIONS, MAX_IN_FLIGHT_CALLS,
 * MAX_IN_FLIGHT_PER_SESSION) stay at their defaults, which the scenarios fit within.
 */
export const SERVER_ENV = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  AUTH_MODE: 'none',
  RATE_LIMIT_REQUESTS: '0',
  WS_MAX_CONNECTIONS_PER_CLIENT: '0',
};

export const canPin = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

export function pinnedCommand(core, command, args) {
  return canPin ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns a Node script (with `nodePath`, this Node by default) pinned to `core` and waits until `healthPath` answers 200.
 * Resolves with the child, its pid, the base URL and the time from spawn to first 200.
 */
export async function startNodeServer({
  script,
  args = [],
  env = {},
  core = 0,
  healthPath = '/health',
  nodeArgs = [],
  nodePath = process.execPath,
  timeoutMs = 30_000,
}) {
  const port = await freePort();
  const [command, commandArgs] = pinnedCommand(core, nodePath, [...nodeArgs, script, ...args]);
  const started = performance.now();
  const child = spawn(command, commandArgs, {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let early;
  exited.then((status) => (early = status));
  while (performance.now() - started < timeoutMs) {
    if (early) throw new Error(`${script} exited early (${JSON.stringify(early)}): ${stderr}`);
    if (await answers200(url + healthPath)) {
      const startupMs = performance.now() - started;
      // taskset execs node in place, so the child's pid is the server's pid.
      return { child, pid: child.pid, url, port, startupMs, exited, stderr: () => stderr, stop: () => stopProcess(child, exited) };
    }
    await sleep(5);
  }
  child.kill('SIGKILL');
  throw new Error(`${script} did not answer ${healthPath} within ${timeoutMs} ms: ${stderr}`);
}

async function answers200(url) {
  try {
    const response = await fetch(url);
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

export async function stopProcess(child, exited) {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const status = await exited;
  clearTimeout(timer);
  return status;
}

const CLOCK_TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** CPU time (user + system, all threads) a process has used so far, in ms (Linux /proc). */
export function cpuTimeMs(pid) {
  // The command name (field 2) may contain spaces; the fields after its closing parenthesis do not.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Waits until none of the processes uses more than `maxShare` of a core over `windowMs`. A server
 * answers /health before its background start-up work is done (the SQL grammar workers start a
 * second later and take seconds of CPU on a shared core), and an idle server still busy with that
 * work slows whichever server is measured beside it on the same core. Resolves with the last
 * window's CPU per process; after `timeoutMs` it resolves anyway and the caller records it.
 */
export async function waitUntilQuiet(pids, { windowMs = 500, maxShare = 0.05, timeoutMs = 20_000 } = {}) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const before = pids.map(cpuTimeMs);
    await sleep(windowMs);
    const used = pids.map((pid, index) => cpuTimeMs(pid) - before[index]);
    const quiet = used.every((ms) => ms <= windowMs * maxShare);
    if (quiet || performance.now() > deadline) return { quiet, cpuMsInLastWindow: used };
  }
}

/** Resident set size and its high-water mark of a process, in bytes (Linux /proc). */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kib('VmRSS'), peakRss: kib('VmHWM') };
}
