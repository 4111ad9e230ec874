import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { transformFileSync } from '@swc/core';
import { pinnedCommand } from './processes.mjs';

const RUNNER = fileURLToPath(new URL('./fake-upstream.runner.mjs', import.meta.url));

/**
 * Starts the fake XDP or Trino server from test/fakes/ (the same fakes the e2e tests use) in its
 * own process on the load generator's core. The TypeScript source is compiled with SWC into
 * dist/bench/ (inside the package, so `#trino` resolves to the build) and needs no build step of
 * its own. Resolves with the environment that points the server at the fake, or `{ok: false,
 * reason}` when the fake is not in this checkout. `options` go to the runner (see its header).
 */
export async function startFakeUpstream(name, root, options = {}) {
  const source = join(root, `test/fakes/fake-${name}.server.ts`);
  if (!existsSync(source)) return { ok: false, reason: `test/fakes/fake-${name}.server.ts is not in this checkout` };
  const outDir = join(root, 'dist/bench/fakes');
  mkdirSync(outDir, { recursive: true });
  const compiled = join(outDir, `fake-${name}.server.mjs`);
  const compile = (from, to) => {
    const { code } = transformFileSync(from, { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } });
    writeFileSync(to, code);
  };
  compile(source, compiled);
  // The fakes' own helpers (e.g. traceparent.ts), imported as `./x.js`.
  const fakesDir = join(root, 'test/fakes');
  for (const file of readdirSync(fakesDir).filter(
    (file) => file.endsWith('.ts') && !file.endsWith('.spec.ts') && !file.startsWith('fake-'),
  )) {
    compile(join(fakesDir, file), join(outDir, file.replace(/\.ts$/, '.js')));
  }

  const [command, args] = pinnedCommand(1, process.execPath, [RUNNER, compiled, JSON.stringify(options)]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // The fake may log before it is up (Nest's console logger, in the Trino fake): its JSON line with `env` is the start signal.
  const { env } = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      try {
        const message = JSON.parse(line);
        if (message.env) resolve(message);
      } catch {
        // not the start line
      }
    });
    child.once('exit', (code) => reject(new Error(`fake ${name} exited with ${code} before starting`)));
  });
  return {
    ok: true,
    serverEnv: env,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
