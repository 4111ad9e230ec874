// Image build step (Dockerfile, after `npm run build`): starts the bundled server once with Node's
// compile cache pointed at dist/apps/xdp-mcp-server/compile-cache, waits for the first 200 on
// /health, stops it, and leaves the cache there. The main.js loader copies it into the runtime
// cache directory (/tmp, an emptyDir in Kubernetes) before importing the bundle, so a new pod
// starts with compiled code instead of compiling the 6.7 MB bundle: measured on Node 22, ~1 s of
// start-up against ~2 s with an empty cache (docs/performance.md).
//
// The cache is only valid for the same Node build and the same file paths, so it must be made
// with the image's Node in the image's /app; on another Node line the loader's copy is harmless
// (Node rejects entries it cannot use and compiles as without a cache).
//   node scripts/warm-compile-cache.mjs
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const appDir = join(root, 'dist/apps/xdp-mcp-server');
const cacheDir = join(appDir, 'compile-cache');
const TIMEOUT_MS = 60_000;

if (!existsSync(join(appDir, 'main.bundle.js'))) throw new Error('no bundled server in dist/: run `npm run build` first');
rmSync(cacheDir, { recursive: true, force: true });

const port = await freePort();
const server = spawn(process.execPath, [join(appDir, 'main.js')], {
  cwd: root,
  // Production defaults, as the image starts it; no credentials are needed to reach /health.
  env: { ...process.env, NODE_ENV: 'production', AUTH_MODE: 'none', HOST: '127.0.0.1', PORT: String(port), NODE_COMPILE_CACHE: cacheDir },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const exited = new Promise((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));
try {
  await untilHealthy(`http://127.0.0.1:${port}/health`, exited);
} finally {
  // Node writes the compile cache when the process exits; SIGTERM is the server's graceful stop.
  server.kill('SIGTERM');
}
const status = await exited;
if (status.code !== 0) throw new Error(`the server exited with ${JSON.stringify(status)} after the warm-up start`);
const [made] = existsSync(cacheDir) ? readdirSync(cacheDir) : [];
if (!made) throw new Error(`${cacheDir} is empty: this Node (${process.version}) has no compile cache (Node >= 22.1 needed)`);
// Node names the directory <version>-<arch>-<flags hash>-<uid>; the image runs as another user than
// the one building it, so the loader looks it up without the uid.
const shipped = join(cacheDir, made.replace(/-\d+$/, ''));
renameSync(join(cacheDir, made), shipped);
// Node writes its entries readable by their owner only; the image is built as root and runs as uid
// 1000, which must be able to read (and copy) them.
chmodSync(shipped, 0o755);
for (const entry of readdirSync(shipped)) chmodSync(join(shipped, entry), 0o644);
process.stderr.write(`compile cache for ${process.version} written to ${cacheDir}\n`);

async function untilHealthy(url, exitedEarly) {
  let early;
  exitedEarly.then((result) => (early = result));
  const deadline = performance.now() + TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (early) throw new Error(`the server exited before /health answered: ${JSON.stringify(early)}`);
    const ok = await fetch(url).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`/health did not answer 200 within ${TIMEOUT_MS} ms`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}
