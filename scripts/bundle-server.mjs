// Second build step (`npm run build` runs it after `nest build`): bundles the server entry
// dist/apps/xdp-mcp-server/main.js with its dependencies into that same file.
//
// Why: start-up was ~2 s, almost all of it loading ~3,300 module files (resolution, stat calls,
// package.json reads, CommonJS export scanning) before any of our code ran; the compile cache
// does not touch that part. One bundle loads in a fraction of it (docs/performance.md).
//
// What stays outside: native/WASM packages and files read from their own directory
// (`@duckdb/*`, `@polyglot-sql/*`, `swagger-ui-dist`), and optional packages that are not
// installed (Nest's lazy `loadPackage` targets): those are loaded from node_modules at run time.
// The SQL-guard worker is bundled as sql-parse.worker.js beside it, the sibling that
// parse-worker.pool finds with `new URL('./sql-parse.worker.js', import.meta.url)`.
// The unbundled files nest build wrote under dist/ stay in place (bench/bench-server.mjs and
// tests import them).
import { readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const appDir = join(root, 'dist/apps/xdp-mcp-server');
const staging = join(root, 'dist/.bundle-staging');

/** Bare imports that do not resolve are optional packages: left to run time, where Nest reports them if used. */
const optionalPackages = {
  name: 'optional-packages',
  setup(builder) {
    builder.onResolve({ filter: /^[^./#]/ }, async (args) => {
      if (args.pluginData?.probing) return undefined;
      const resolved = await builder.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: { probing: true } });
      return resolved.errors.length > 0 ? { path: args.path, external: true } : undefined;
    });
  },
};

/**
 * Some ESM packages (@nestjs/terminus, swagger, mapped-types, platform-ws) load siblings with
 * `createRequire(import.meta.url)`, which a bundler cannot follow: at run time that would load a
 * second, unbundled copy of Nest from node_modules (measured: +0.8 s). Written as plain
 * `require('x')`, the bundler includes the same modules the rest of the bundle uses.
 */
const bundledRequires = {
  name: 'bundled-requires',
  setup(builder) {
    builder.onLoad({ filter: /node_modules[\\/].*\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('createRequire(import.meta.url)')) return undefined;
      const contents = source
        .replace(/^const require = createRequire\(import\.meta\.url\);$/m, '')
        .replace(/createRequire\(import\.meta\.url\)\(/g, 'require(');
      return { contents, loader: 'js' };
    });
  },
};

const BANNER = "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);";
// Bundling the bundle would lose the chunks it imports: only nest build's output is an input.
if ((await readFile(join(appDir, 'main.js'), 'utf8')).startsWith(BANNER)) {
  throw new Error('dist/apps/xdp-mcp-server/main.js is already bundled: run `npm run build` (nest build, then this script)');
}
const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Nest names providers, loggers and injection tokens after classes.
  keepNames: true,
  // CommonJS dependencies call require() for Node built-ins and the external packages.
  banner: { js: BANNER },
  external: ['@duckdb/*', '@polyglot-sql/*', 'swagger-ui-dist', 'swagger-ui-dist/*'],
  plugins: [optionalPackages, bundledRequires],
  logLevel: 'warning',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
};

await rm(staging, { recursive: true, force: true });
// No code splitting: a split-out chunk of a CommonJS package imported with import() would expose
// only `default` (Nest's loadPackage('class-transformer') then finds no plainToInstance), where
// Node gives named exports. Lazily imported modules are still evaluated only when first imported.
await build({ ...common, entryPoints: [join(appDir, 'main.js')], outfile: join(staging, 'main.js') });
await build({ ...common, entryPoints: [join(root, 'dist/libs/trino/src/guard/sql-parse.worker.js')], outfile: join(staging, 'sql-parse.worker.js') });
await rename(join(staging, 'main.js'), join(appDir, 'main.js'));
await rename(join(staging, 'sql-parse.worker.js'), join(appDir, 'sql-parse.worker.js'));
// nest build's source map describes the file the bundle replaced.
await rm(join(appDir, 'main.js.map'), { force: true });
await rm(staging, { recursive: true, force: true });
