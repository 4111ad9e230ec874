import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { kubectlAvailable, renderKustomization, REPO_ROOT } from './k8s-manifests.js';

/**
 * Every `kubectl apply -f|-k <repository path>` the README, the docs and the manifests' comments
 * tell an operator to run must work: `-f` on a folder holding a kustomization.yaml fails
 * (kubectl tries to create a "Kustomization" object), and a `-k` folder must render.
 */

function documents(): string[] {
  const k8sFiles = (dir: string): string[] =>
    readdirSync(join(REPO_ROOT, dir)).flatMap((name) => {
      const path = `${dir}/${name}`;
      return statSync(join(REPO_ROOT, path)).isDirectory() ? k8sFiles(path) : /\.ya?ml$/.test(name) ? [path] : [];
    });
  return ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).map((name) => `docs/${name}`), 'kustomization.yaml', ...k8sFiles('k8s')];
}

interface ApplyCommand {
  file: string;
  flag: '-f' | '-k';
  target: string;
}

function applyCommands(): ApplyCommand[] {
  return documents().flatMap((file) =>
    [...readFileSync(join(REPO_ROOT, file), 'utf8').matchAll(/kubectl apply (-f|-k) ((?:\.|k8s)[\w./{},-]*)/g)].flatMap((match) =>
      expandBraces(match[2].replace(/[.,;:)`]+$/, '') || '.').map((target) => ({ file, flag: match[1] as '-f' | '-k', target })),
    ),
  );
}

/** `k8s/overlays/{dev,staging,prod}` as the shell expands it. */
function expandBraces(target: string): string[] {
  const match = /^(.*)\{([^}]*)\}(.*)$/.exec(target);
  return match ? match[2].split(',').map((part) => `${match[1]}${part}${match[3]}`) : [target];
}

const describeWithKubectl = kubectlAvailable ? describe : describe.skip;

describe('documented kubectl apply commands', () => {
  const commands = applyCommands();

  it('finds the commands (the guide documents k8s/ and k8s/monitoring/)', () => {
    expect(commands.some((command) => command.target.replace(/\/$/, '') === 'k8s')).toBe(true);
    expect(commands.some((command) => command.target.replace(/\/$/, '') === 'k8s/monitoring')).toBe(true);
  });

  it('never applies a kustomization folder with -f, and points only at paths that exist', () => {
    for (const { file, flag, target } of commands) {
      const path = join(REPO_ROOT, target);
      expect({ file, target, exists: existsSync(path) }).toEqual({ file, target, exists: true });
      if (flag === '-f' && statSync(path).isDirectory()) {
        expect({ file, command: `kubectl apply -f ${target}`, kustomization: existsSync(join(path, 'kustomization.yaml')) }).toEqual({
          file,
          command: `kubectl apply -f ${target}`,
          kustomization: false,
        });
      }
    }
  });

  describeWithKubectl('with kubectl', () => {
    it('renders every -k folder, and k8s/monitoring/ to its ServiceMonitor, PrometheusRule and dashboard', () => {
      const folders = new Set(
        commands.filter((command) => command.flag === '-k').map((command) => command.target.replace(/\/$/, '') || '.'),
      );
      expect(folders.has('k8s/monitoring')).toBe(true);
      for (const folder of folders) expect({ folder, objects: renderKustomization(folder).length > 0 }).toEqual({ folder, objects: true });
      expect(
        renderKustomization('k8s/monitoring')
          .map((object) => object.kind)
          .sort(),
      ).toEqual(['ConfigMap', 'PrometheusRule', 'ServiceMonitor']);
    });
  });
});
