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
