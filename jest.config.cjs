// NestJS 12 ships ESM only, while several Nest ecosystem packages (nestjs-pino, throttler,
// prometheus) are CommonJS that `require()` it. Jest's ESM mode cannot load that mix on
// Node < 24.9, so tests run in CommonJS mode: SWC compiles our TypeScript and the ESM-only
// packages to CommonJS (decorator metadata kept). Production runs the native ESM build.
const libs = ['config', 'tool-contract', 'tool-registry', 'mcp-transports', 'observability', 'security', 'xdp', 'trino'];
// The OTLP exporter's transport loads node:http with a dynamic import(), which Jest's CommonJS
// mode cannot run uncompiled.
const esmOnlyPackages = ['@nestjs', 'jose', 'dt-sql-parser', '@opentelemetry/otlp-exporter-base', 'cockatiel'];

module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/{apps,libs,test}/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  moduleNameMapper: {
    ...Object.fromEntries(libs.map((lib) => [`^#${lib}$`, `<rootDir>/libs/${lib}/src/index.ts`])),
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnlyPackages.join('|')})/)`],
  transform: {
    '^.+\\.(ts|js|mjs)$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  testTimeout: 30000,
  maxWorkers: 2,
};
