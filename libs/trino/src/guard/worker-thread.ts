import { platform, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts the worker whose code is the module `<name>.js` (or `.ts`) beside `siblingOf` (the caller's
 * import.meta.url). In production the caller is ESM JavaScript in dist/ and the worker is loaded
 * directly. Under Jest the sources are TypeScript that Jest compiles in its own module system, which
 * a worker thread does not share: the worker then starts from a small inline bootstrap that
 * registers Node module hooks compiling our .ts files with @swc/core (the compiler Jest itself uses)
 * and resolving their `./x.js` imports to `./x.ts`. This keeps one worker source for both, with no
 * build step before unit tests and no extra package.
 */
export function spawnWorker(siblingOf: string, name: string, maxHeapMb: number): Worker {
  const fromSource = fileURLToPath(siblingOf).endsWith('.ts');
  const entry = new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, siblingOf);
  const resourceLimits = { maxOldGenerationSizeMb: maxHeapMb };
  if (!fromSource) return new Worker(entry, { resourceLimits });
  return new Worker(TYPESCRIPT_BOOTSTRAP, { eval: true, resourceLimits, workerData: { entry: entry.href, hooks: TYPESCRIPT_HOOKS } });
}

/**
 * Linux schedules threads individually and renices only the calling one, so a worker can yield the
 * CPU to the event loop (and /health) when every core is busy. Elsewhere the same call would renice
 * the whole process, so it is made on Linux only; a refusal (a container forbidding it) just leaves
 * the default priority. Called from inside a worker.
 */
export function lowerThreadPriority(niceness: number): void {
  if (platform() !== 'linux') return;
  try {
    setPriority(0, niceness);
  } catch {
    // The default priority is still correct, only less generous to the event loop.
  }
}

const TYPESCRIPT_HOOKS = `
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
let swc;
export async function initialize(data) { swc = await import(data.swc); }
export async function resolve(specifier, context, next) {
  if (context.parentURL?.endsWith('.ts') && /^\\.\\.?\\//.test(specifier) && specifier.endsWith('.js')) {
    const source = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
    if (existsSync(fileURLToPath(source))) return { url: source.href, shortCircuit: true };
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const filename = fileURLToPath(url);
  const { code } = await swc.transform(await readFile(filename, 'utf8'), { filename, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } });
  return { format: 'module', source: code, shortCircuit: true };
}`;

const TYPESCRIPT_BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const { register } = require('node:module');
const { fileURLToPath, pathToFileURL } = require('node:url');
const swc = pathToFileURL(require.resolve('@swc/core', { paths: [fileURLToPath(workerData.entry)] })).href;
register('data:text/javascript,' + encodeURIComponent(workerData.hooks), { data: { swc } });
// An eval'd worker script leaves require() global; the ESM worker must see the globals it has in production.
delete globalThis.require;
import(workerData.entry);`;

/** One worker thread of a budgeted pool: whether it has loaded, and the job it runs. */
export interface WorkerSlot<J> {
  worker: Worker;
  ready: boolean;
  /** Settles when the worker has posted `{ ready: true }`, or failed before. */
  started: Promise<void>;
  /** Rejects `started` (a worker that reports it could not load). */
  failStart(error: Error): void;
  job?: J;
  timer?: NodeJS.Timeout;
}

export interface WorkerSlotEvents<M> {
  /** Every message after `{ ready: true }`. */
  message(message: M): void;
  /** The worker crashed (`error`) or exited (undefined); `started` is already rejected. */
  ended(error: Error | undefined): void;
}

/**
 * Starts one worker for a pool (the SQL guard's parsers, the translator): unreferenced, so running
 * or idle it never keeps the process alive (the pool's close() terminates it); `ready` once it posts
 * `{ ready: true }`; its crash or exit reported once through `ended`.
 */
export function startWorkerSlot<J, M>(siblingOf: string, name: string, maxHeapMb: number, events: WorkerSlotEvents<M>): WorkerSlot<J> {
  const worker = spawnWorker(siblingOf, name, maxHeapMb);
  worker.unref();
  let settle!: { resolve: () => void; reject: (error: Error) => void };
  const started = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // Only warmUp() awaits this; a failure is also reported to the jobs waiting in the queue.
  started.catch(() => undefined);
  const slot: WorkerSlot<J> = { worker, ready: false, started, failStart: (error) => settle.reject(error) };
  worker.on('message', (message: M | { ready: true }) => {
    if (typeof message === 'object' && message !== null && 'ready' in message) {
      slot.ready = true;
      settle.resolve();
    } else {
      events.message(message as M);
    }
  });
  worker.on('error', (error) => {
    settle.reject(error);
    events.ended(error);
  });
  worker.on('exit', () => {
    settle.reject(new Error(`The worker thread ${name} exited`));
    events.ended(undefined);
  });
  return slot;
}

/** Gives `slot` its job and the budget after which `overrun` runs. */
export function assignJob<J>(slot: WorkerSlot<J>, job: J, task: unknown, budgetMs: number, overrun: () => void): void {
  slot.job = job;
  slot.worker.postMessage(task);
  slot.timer = setTimeout(overrun, budgetMs);
}

/** Takes the job off `slot` (answered, overrun or refused) and stops its budget timer. */
export function releaseJob<J>(slot: WorkerSlot<J>): J | undefined {
  clearTimeout(slot.timer);
  const job = slot.job;
  slot.job = undefined;
  slot.timer = undefined;
  return job;
}
