import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';

/** Tests run from the repository root (`npm test`, `npx jest <file>`). */
export const REPO_ROOT = process.cwd();

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: any;
}

/** Every kustomization the guide and docs tell users to apply with `-k`. */
export const KUSTOMIZATIONS = ['.', 'k8s/base', 'k8s/monitoring', 'k8s/overlays/dev', 'k8s/overlays/staging', 'k8s/overlays/prod'] as const;

/** Deployable variants: what `apply -k .` and each overlay produce. */
export const VARIANTS = ['.', 'k8s/overlays/dev', 'k8s/overlays/staging', 'k8s/overlays/prod'] as const;

export const kubectlAvailable = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

export function parseYaml(text: string): K8sObject[] {
  return loadAll(text).filter((doc): doc is K8sObject => doc !== null && doc !== undefined);
}

export function readManifest(relativePath: string): K8sObject[] {
  return parseYaml(readFileSync(join(REPO_ROOT, relativePath), 'utf8'));
}

const rendered = new Map<string, string>();

/** `kubectl kustomize <dir>`, rendered once per test file (kubectl is slow to start); each call returns fresh objects. */
export function renderKustomization(relativeDir: string): K8sObject[] {
  let yaml = rendered.get(relativeDir);
  if (yaml === undefined) {
    yaml = execFileSync('kubectl', ['kustomize', relativeDir], { cwd: REPO_ROOT, encoding: 'utf8' });
    rendered.set(relativeDir, yaml);
  }
  return parseYaml(yaml);
}

/** The files `kubectl apply -f k8s/` reads (scripts/render-k8s.sh writes them): k8s/*.yaml|yml|json, in kubectl's (lexical) order, no recursion. */
export function plainManifestFiles(): string[] {
  return readdirSync(join(REPO_ROOT, 'k8s'))
    .filter((name) => /\.(ya?ml|json)$/.test(name))
    .sort()
    .map((name) => `k8s/${name}`);
}

export function findObject(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const match = objects.find((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
  if (!match) throw new Error(`no ${kind}${name ? ` named ${name}` : ''} among ${objects.map(objectId).join(', ')}`);
  return match;
}

export function objectId(object: K8sObject): string {
  return `${object.kind}/${object.metadata.name}`;
}

/**
 * Schema problems of the objects ("Kind/name: field must be ..."), empty when all are valid.
 * Validation runs in a separate Node process: see schema-validate.mjs for why.
 */
export function schemaProblems(objects: K8sObject[]): string[] {
  const output = execFileSync(process.execPath, [join(REPO_ROOT, 'test/deploy/schema-validate.mjs')], {
    cwd: REPO_ROOT,
    input: JSON.stringify(objects),
    encoding: 'utf8',
  });
  return JSON.parse(output) as string[];
}

interface EnvSource {
  name: string;
  key: string;
  optional?: boolean;
}

/**
 * The environment the kubelet gives a container: `envFrom` sources in order (a later source wins
 * key by key), then `env` entries. A missing optional source is skipped; a missing required one
 * would keep the pod from starting, so it throws.
 */
export function podEnvironment(
  container: { envFrom?: any[]; env?: any[] },
  configMaps: Record<string, Record<string, string>>,
  secrets: Record<string, Record<string, string>>,
): Record<string, string> {
  const environment: Record<string, string> = {};
  const lookup = (store: Record<string, Record<string, string>>, kind: string, name: string, optional = false) => {
    if (store[name] === undefined && !optional) throw new Error(`${kind} ${name} does not exist: the pod would not start`);
    return store[name];
  };
  for (const source of container.envFrom ?? []) {
    const data = source.configMapRef
      ? lookup(configMaps, 'ConfigMap', source.configMapRef.name, source.configMapRef.optional)
      : lookup(secrets, 'Secret', source.secretRef.name, source.secretRef.optional);
    Object.assign(environment, data ?? {});
  }
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) {
      environment[entry.name] = entry.value;
      continue;
    }
    const ref: EnvSource = entry.valueFrom.secretKeyRef ?? entry.valueFrom.configMapKeyRef;
    const store = entry.valueFrom.secretKeyRef ? secrets : configMaps;
    const value = store[ref.name]?.[ref.key];
    if (value !== undefined) environment[entry.name] = value;
    else if (!ref.optional) throw new Error(`${entry.name}: ${ref.name}/${ref.key} does not exist: the pod would not start`);
  }
  return environment;
}
