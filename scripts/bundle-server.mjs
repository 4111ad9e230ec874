// Second build step (`npm run build` runs it after `nest build`): bundles the server entry
// dist/apps/xdp-mcp-server/main.js with its dependencies into main.bundle.js beside it, and
// replaces main.js with a small loader that turns on Node's compile cache before importing the
// bundle (the cache only covers files compiled after it is on, and the bundle is one file).
//
// Why: start-up was ~2 s, almost all of it loading ~3,300 module files (resolution, stat calls,
// package.json reads, CommonJS export scanning) before any of our code ran; the compile cache
// does not touch that part. One bundle loads in a fraction of it (docs/performance.md).
//
// What stays outside: native/WASM packages and files read from their own directory
// (`@duckdb/*`, `@polyglot-sql/*`, `swagger-ui-dist`), and optional packages that are not
// installed (Nest's lazy `loadPackage` targets): those are loaded from node_modules at run time.
// Each worker thread (the SQL guard's parser, the Trino-to-DuckDB translator) is bundled as
// <name>.worker.js beside it: the sibling its pool finds with `new URL('./<name>.js', import.meta.url)`.
// The unbundled files nest build wrote under dist/ stay in place (bench/bench-server.mjs and
// tests import them).
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
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
      const resolved = await builder.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: { probing: true },
      });
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

/**
 * External packages imported statically by modules the server only reaches through `import()`
 * (the embedded DuckDB engine) would still load at start-up: esbuild hoists an external's ESM
 * `import` to the top of the bundle. Profiled on Node 22: `@duckdb/node-api` there cost ~0.17 s
 * before /health (CommonJS export scanning of its files, then dlopen of the native binding).
 * Served as a bundled CommonJS shim (`module.exports = require(...)`), the package is required
 * when the module that imports it is first evaluated, as a bundled CommonJS dependency would be.
 */
const LAZY_EXTERNALS = /^@duckdb\/node-api$/;
const lazyExternals = {
  name: 'lazy-externals',
  setup(builder) {
    builder.onResolve({ filter: LAZY_EXTERNALS }, (args) =>
      args.namespace === 'lazy-external' ? { path: args.path, external: true } : { path: args.path, namespace: 'lazy-external' },
    );
    builder.onLoad({ filter: /.*/, namespace: 'lazy-external' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

const BANNER =
  "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);";
/**
 * Node >= 22.1 keeps V8's compiled code in NODE_COMPILE_CACHE, or else <tmpdir>/node-compile-cache
 * (/tmp: the emptyDir under the read-only root filesystem in Kubernetes, so a restarted container
 * starts warm). Node 20 has no such cache and starts cold. A cache that cannot be written only
 * costs the saving, never the start. The image also ships a cache made at build time
 * (scripts/warm-compile-cache.mjs, beside this loader in compile-cache/): it is copied into an
 * cache directory first (only the subdirectory for this very Node build: Node names it after the
 * version, architecture, V8 flags and user id), so a new pod starts warm as well. Node reads a
 * module's entry when it compiles that module, i.e. after the copy; existing entries are never
 * overwritten.
 */
const LOADER = `// Generated by scripts/bundle-server.mjs: compile cache on (seeded from the shipped one), then the bundled server.
import { cpSync, existsSync } from 'node:fs';
import nodeModule from 'node:module';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
// directory: the cache's subdirectory for this Node build and user (v22.20.0-x64-<flags hash>-<uid>);
// the shipped one is named without the uid (the image is built as root and runs as uid 1000).
const cache = nodeModule.enableCompileCache?.();
const build = cache?.directory && basename(cache.directory).replace(/-\\d+$/, '');
const shipped = build && fileURLToPath(new URL(\`./compile-cache/\${build}\`, import.meta.url));
if (shipped && shipped !== cache.directory && existsSync(shipped)) {
  try {
    cpSync(shipped, cache.directory, { recursive: true, force: false });
  } catch {
    // Only the saving is lost: the bundle compiles as without a cache.
  }
}
await import('./main.bundle.js');
`;

// The input is nest build's main.js; after this script it is the loader.
if ((await readFile(join(appDir, 'main.js'), 'utf8')) === LOADER) {
  throw new Error('dist/apps/xdp-mcp-server/main.js is already the bundle loader: run `npm run build` (nest build, then this script)');
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
  plugins: [lazyExternals, optionalPackages, bundledRequires],
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
const workers = ['libs/trino/src/guard/sql-parse.worker.js', 'libs/trino/src/dialect/trino-translate.worker.js'];
for (const worker of workers) {
  await build({ ...common, entryPoints: [join(root, 'dist', worker)], outfile: join(staging, basename(worker)) });
}
for (const file of ['main.js', ...workers.map((worker) => basename(worker))]) await asciiOnly(join(staging, file));
await rename(join(staging, 'main.js'), join(appDir, 'main.bundle.js'));
await writeFile(join(appDir, 'main.js'), LOADER);
for (const worker of workers) await rename(join(staging, basename(worker)), join(appDir, basename(worker)));
// nest build's source map describes the file the bundle replaced.
await rm(join(appDir, 'main.js.map'), { force: true });
await rm(staging, { recursive: true, force: true });

/**
 * esbuild escapes non-ASCII characters in strings but leaves them in regular-expression literals
 * (validator's locale alphabets: ~1,100 of them). One such character makes Node decode the whole
 * 6.7 MB bundle into a two-byte string: measured 108 ms of UTF-8 decoding against 21 ms for the
 * same bytes in ASCII, before V8 even parses it (and parsing a two-byte source is slower too).
 * A `\uXXXX` escape of each UTF-16 unit means the same character in a regex with or without the
 * `u` flag, in a string, in a template literal's value and in an identifier; only a tagged
 * template's raw text would differ, so a non-ASCII `String.raw` template is refused instead.
 */
async function asciiOnly(file) {
  const source = await readFile(file, 'utf8');
  if (/String\.raw`[^`]*[^\p{ASCII}]/u.test(source))
    throw new Error(`${file}: a non-ASCII character inside a String.raw template; escape it at its source`);
  // With the `u` flag a match is a whole code point: one or two UTF-16 units, each escaped.
  const escaped = source.replace(/[^\p{ASCII}]/gu, (char) =>
    [...Array(char.length).keys()].map((unit) => `\\u${char.charCodeAt(unit).toString(16).padStart(4, '0')}`).join(''),
  );
  if (escaped !== source) await writeFile(file, escaped);
}
