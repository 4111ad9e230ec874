import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerignoreMatchers, execForm, parseStages, readDockerfile, variables, type Stage } from './dockerfile.js';
import { readManifest, REPO_ROOT } from './k8s-manifests.js';

const stages = parseStages(readDockerfile());
const runtime = stages.at(-1)!;
const stageNames = new Set(stages.map((stage) => stage.name).filter(Boolean));

function last(stage: Stage, keyword: string): string {
  const found = stage.instructions.filter((instruction) => instruction.keyword === keyword).at(-1);
  if (!found) throw new Error(`runtime stage has no ${keyword}`);
  return found.args;
}

function copySources(stage: Stage): string[] {
  return stage.instructions
    .filter((instruction) => instruction.keyword === 'COPY' && !instruction.args.includes('--from='))
    .flatMap((instruction) =>
      instruction.args
        .split(' ')
        .filter((arg) => !arg.startsWith('--'))
        .slice(0, -1),
    );
}

describe('Dockerfile', () => {
  it('is multi-stage and builds every stage from an exactly pinned Node 22 image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      if (stageNames.has(stage.image)) continue;
      expect(stage.image).toMatch(/^node:22\.\d+\.\d+(-[a-z0-9-]+)?(@sha256:[0-9a-f]{64})?$/);
    }
  });

  it('runs as a numeric non-root user', () => {
    const [user, group] = last(runtime, 'USER').split(':');
    expect(user).toMatch(/^\d+$/);
    expect(Number(user)).toBeGreaterThan(0);
    if (group !== undefined) expect(Number(group)).toBeGreaterThan(0);
    expect(Number(user)).toBe(readManifest('k8s/base/deployment.yaml')[0].spec.template.spec.securityContext.runAsUser);
  });

  it('starts the built server under tini in production mode on port 8080', () => {
    expect(execForm(last(runtime, 'ENTRYPOINT'))).toEqual(['/usr/bin/tini', '--']);
    expect(execForm(last(runtime, 'CMD'))).toEqual(['node', 'dist/apps/xdp-mcp-server/main.js']);
    const env = Object.assign({}, ...runtime.instructions.filter((instruction) => instruction.keyword === 'ENV').map(variables));
    expect(env).toEqual(expect.objectContaining({ NODE_ENV: 'production', PORT: '8080', HOME: '/tmp' }));
    expect(last(runtime, 'EXPOSE').split(' ')).toContain('8080');
  });

  // Checked against the build configuration, not dist/, so the unit run needs no build; the deployment
  // rehearsal e2e starts that very file.
  it('names the CMD entry file that nest build makes of the app entry point', () => {
    const [, entry] = execForm(last(runtime, 'CMD'));
    const nestCli = JSON.parse(readFileSync(join(REPO_ROOT, 'nest-cli.json'), 'utf8')) as {
      sourceRoot: string;
      projects: Record<string, { entryFile: string }>;
    };
    const { outDir } = (JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: { outDir: string } })
      .compilerOptions;
    const source = `${nestCli.sourceRoot}/${nestCli.projects['xdp-mcp-server'].entryFile}.ts`;
    expect(existsSync(join(REPO_ROOT, source))).toBe(true);
    expect(entry).toBe(join(outDir.replace(/^\.\//, ''), source.replace(/\.ts$/, '.js')));
  });

  // Node's compile cache is keyed by file path and checked against the Node build: a cache made
  // anywhere else than in the image's own Node and /app would be rejected and the pod start cold.
  it('ships a compile cache made after the build by the same Node image in the same /app', () => {
    const build = stages.find((stage) => stage.instructions.some(({ keyword, args }) => keyword === 'RUN' && args === 'npm run build'))!;
    const runs = build.instructions.filter((instruction) => instruction.keyword === 'RUN').map((instruction) => instruction.args);
    expect(runs.indexOf('node scripts/warm-compile-cache.mjs')).toBeGreaterThan(runs.indexOf('npm run build'));
    expect(build.image).toBe(runtime.image);
    expect(last(build, 'WORKDIR')).toBe(last(runtime, 'WORKDIR'));
    const copiesDist = runtime.instructions.some(
      ({ keyword, args }) => keyword === 'COPY' && args === `--from=${build.name} ${last(build, 'WORKDIR')}/dist ./dist`,
    );
    expect(copiesDist).toBe(true);
  });

  it('checks health with Node fetch against /health', () => {
    const healthcheck = last(runtime, 'HEALTHCHECK');
    const command = execForm(healthcheck);
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    expect(command[2]).toMatch(/fetch\(.*\/health/);
  });

  it('installs every dependency with npm ci, so the image holds exactly the lockfile versions', () => {
    const installs = stages
      .flatMap((stage) => stage.instructions)
      .filter((instruction) => instruction.keyword === 'RUN' && /\bnpm (ci|install|i)\b/.test(instruction.args));
    expect(installs.length).toBeGreaterThanOrEqual(2);
    for (const install of installs) expect(install.args).toMatch(/\bnpm ci\b/);
  });

  it('ships production dependencies only, installed without lifecycle scripts', () => {
    const dependencyStage = runtime.instructions
      .filter((instruction) => instruction.keyword === 'COPY' && instruction.args.includes('node_modules'))
      .map((instruction) => /--from=(\S+)/.exec(instruction.args)?.[1]);
    expect(dependencyStage).toHaveLength(1);
    const source = stages.find((stage) => stage.name === dependencyStage[0])!;
    const install = source.instructions.find((instruction) => instruction.keyword === 'RUN' && /npm (ci|install)/.test(instruction.args))!;
    expect(install.args).toMatch(/npm ci .*--omit=dev/);
    expect(install.args).toContain('--ignore-scripts');
  });

  it('lays out /app as the container rehearsal does: dist/, node_modules/ and package.json', () => {
    expect(last(runtime, 'WORKDIR')).toBe('/app');
    const destinations = runtime.instructions
      .filter((instruction) => instruction.keyword === 'COPY')
      .map((instruction) => instruction.args.split(' ').filter((arg) => !arg.startsWith('--')))
      .map((args) => ({ source: args[0], destination: args.at(-1) }));
    expect(destinations).toEqual([
      { source: '/app/node_modules', destination: './node_modules' },
      { source: '/app/dist', destination: './dist' },
      { source: 'package.json', destination: './' },
    ]);
  });

  it('puts no credential into ENV or ARG', () => {
    for (const stage of stages) {
      for (const instruction of stage.instructions.filter(({ keyword }) => keyword === 'ENV' || keyword === 'ARG')) {
        expect(Object.keys(variables(instruction)).filter((name) => /SECRET|TOKEN|PASSWORD|KEY|JWT|CREDENTIAL/i.test(name))).toEqual([]);
      }
    }
  });

  it('copies only files that exist and that .dockerignore lets into the context', () => {
    const matchers = dockerignoreMatchers();
    const sources = stages.flatMap(copySources);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect({ source, exists: existsSync(join(REPO_ROOT, source)) }).toEqual({ source, exists: true });
      expect({ source, ignored: matchers.some((matcher) => matcher.test(source)) }).toEqual({ source, ignored: false });
    }
  });
});

describe('.dockerignore', () => {
  it('keeps local builds, dependencies, git data and env files out of the build context', () => {
    const matchers = dockerignoreMatchers();
    for (const path of [
      'node_modules',
      'libs/mcp-client/node_modules/ws',
      'dist/apps/xdp-mcp-server/main.js',
      '.git/config',
      '.env',
      '.env.production',
      'test-artifacts/x.png',
    ]) {
      expect({ path, ignored: matchers.some((matcher) => matcher.test(path)) }).toEqual({ path, ignored: true });
    }
    expect(readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')).not.toMatch(/^!/m);
  });
});
