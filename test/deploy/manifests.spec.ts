import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { knownSettings } from '#config';
import { getJson, startTestServer, type TestServer } from '../support/app-harness.js';
import {
  findObject,
  kubectlAvailable,
  KUSTOMIZATIONS,
  objectId,
  parseYaml,
  plainManifestFiles,
  readManifest,
  renderKustomization,
  REPO_ROOT,
  schemaProblems,
  VARIANTS,
  type K8sObject,
} from './k8s-manifests.js';

const NAMESPACE = 'mcp-server';
const APP = 'xdp-mcp-server';
const SECRET = 'xdp-mcp-secrets';
/** Created by the operator (guide step 4), never by k8s/. */
const OPERATOR_CONFIG = 'xdp-mcp-config';
/** Metric families scraped from elsewhere: Prometheus itself, kube-state-metrics, cAdvisor. */
const EXTERNAL_METRIC = /^(up|kube_[a-z_]+|container_[a-z_]+)$/;

if (!kubectlAvailable) {
  process.stderr.write(
    '\n[deploy] kubectl not found on PATH: kustomize rendering tests are SKIPPED (plain manifests are still checked)\n\n',
  );
}
const describeWithKubectl = kubectlAvailable ? describe : describe.skip;

/** Production-mode RSS recorded in docs/performance.md ("Sizing"), in MiB. */
const MEASURED = (() => {
  const text = readFileSync(join(REPO_ROOT, 'docs/performance.md'), 'utf8');
  const figure = (label: string) => {
    const match = new RegExp(`\\| ${label}[^|]*\\| ([\\d.]+) MiB`).exec(text);
    if (!match) throw new Error(`docs/performance.md records no "${label}" figure`);
    return Number(match[1]);
  };
  return { idleMiB: figure('Production RSS, idle'), peakMiB: figure('Production RSS, peak under load') };
})();

function mebibytes(quantity: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

const plainObjects = (): K8sObject[] => plainManifestFiles().flatMap(readManifest);
const monitoringObjects = (): K8sObject[] =>
  ['servicemonitor', 'prometheusrule', 'grafana-dashboard'].flatMap((name) => readManifest(`k8s/monitoring/${name}.yaml`));

/** Plain manifests always; the kustomize variants when kubectl can render them. */
const variants: [string, () => K8sObject[]][] = [
  ['kubectl apply -f k8s/', plainObjects],
  ...(kubectlAvailable
    ? VARIANTS.map((dir): [string, () => K8sObject[]] => [`kubectl kustomize ${dir}`, () => renderKustomization(dir)])
    : []),
];

function sortById(objects: K8sObject[]): K8sObject[] {
  return [...objects].sort((a, b) => objectId(a).localeCompare(objectId(b)));
}

function expectSubset(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined, what: string): void {
  expect(selector && Object.keys(selector).length > 0).toBe(true);
  for (const [key, value] of Object.entries(selector ?? {})) {
    if (labels?.[key] !== value) throw new Error(`${what}: selector ${key}=${value} does not match labels ${JSON.stringify(labels)}`);
  }
}

describe('plain manifests: kubectl apply -f k8s/', () => {
  it("are scripts/render-k8s.sh's rendering of the top-level kustomization, up to date with k8s/base", () => {
    expect(plainManifestFiles()).toEqual(['k8s/xdp-mcp-server.yaml']);
    if (!kubectlAvailable) return;
    const fresh = join(mkdtempSync(join(tmpdir(), 'render-k8s-')), 'xdp-mcp-server.yaml');
    execFileSync(join(REPO_ROOT, 'scripts/render-k8s.sh'), [fresh], { cwd: REPO_ROOT });
    // Byte for byte: run scripts/render-k8s.sh and commit k8s/xdp-mcp-server.yaml when this fails.
    expect(readFileSync(join(REPO_ROOT, 'k8s/xdp-mcp-server.yaml'), 'utf8')).toBe(readFileSync(fresh, 'utf8'));
  });

  it('are plain files, with no symbolic link left as a second way in', () => {
    const links = (dir: string): string[] =>
      readdirSync(join(REPO_ROOT, dir)).flatMap((name) => {
        const path = `${dir}/${name}`;
        const stat = lstatSync(join(REPO_ROOT, path));
        return stat.isSymbolicLink() ? [path] : stat.isDirectory() ? links(path) : [];
      });
    expect(links('k8s')).toEqual([]);
  });

  it('contain no kustomization file that `apply -f` would try to create', () => {
    expect(plainManifestFiles().filter((file) => /kustomization\.ya?ml$/.test(file))).toEqual([]);
  });

  it('create the Namespace before anything that lives in it', () => {
    const [first, ...rest] = plainObjects();
    expect(first).toMatchObject({ kind: 'Namespace', metadata: { name: NAMESPACE } });
    expect(first.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(rest.map((object) => object.kind)).not.toContain('Namespace');
    const namespaced = plainObjects().filter((object) => object.kind !== 'Namespace');
    expect(namespaced.filter((object) => object.metadata.namespace !== NAMESPACE).map(objectId)).toEqual([]);
  });

  it('validate against the Kubernetes schemas', () => {
    expect(schemaProblems(plainObjects())).toEqual([]);
  });

  it('keep the monitoring objects (which need Prometheus Operator CRDs) and examples out of k8s/', () => {
    const kinds = plainObjects().map((object) => object.kind);
    expect(kinds).not.toContain('ServiceMonitor');
    expect(kinds).not.toContain('PrometheusRule');
  });
});

describe('monitoring and example manifests', () => {
  it('validate against the Kubernetes and Prometheus Operator schemas', () => {
    expect(schemaProblems([...monitoringObjects(), ...readManifest('k8s/examples/cross-namespace-service.yaml')])).toEqual([]);
  });

  it('rejects an invalid object (the validator is not a no-op)', () => {
    const serviceMonitor = structuredClone(findObject(monitoringObjects(), 'ServiceMonitor'));
    serviceMonitor.spec.endpoints[0].interval = '30 seconds';
    const deployment = structuredClone(findObject(plainObjects(), 'Deployment', APP));
    deployment.spec.template.spec.containers[0].ports[0].containerPort = '8080';
    const problems = schemaProblems([serviceMonitor, deployment]);
    expect(problems).toEqual([
      expect.stringMatching(/^ServiceMonitor\/xdp-mcp-server: .*interval/),
      expect.stringMatching(/^Deployment\/xdp-mcp-server: .*containerPort/),
    ]);
  });

  it('point the cross-namespace example at the Service the base creates', () => {
    const [external] = readManifest('k8s/examples/cross-namespace-service.yaml');
    const service = findObject(plainObjects(), 'Service', APP);
    expect(external.spec.type).toBe('ExternalName');
    expect(external.spec.externalName).toBe(`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`);
    expect(external.spec.ports.map((port: { port: number }) => port.port)).toEqual(
      service.spec.ports.map((port: { port: number }) => port.port),
    );
  });

  it('give Bolt.diy a streamable-http config whose URL is the in-cluster /mcp endpoint', () => {
    const settings = JSON.parse(readFileSync(join(REPO_ROOT, 'k8s/examples/bolt-diy-mcp-settings.json'), 'utf8'));
    const server = settings.mcpServers['xdp'];
    expect(server.type).toBe('streamable-http');
    expect(server.url).toBe('http://xdp-mcp-server.mcp-server.svc.cluster.local:8080/mcp');
    expect(server.headers.Authorization).toMatch(/^Bearer /);
  });
});

describeWithKubectl('kustomize', () => {
  it.each(KUSTOMIZATIONS)('renders %s into schema-valid objects', (dir) => {
    const objects = renderKustomization(dir);
    expect(objects.length).toBeGreaterThan(0);
    expect(schemaProblems(objects)).toEqual([]);
  });

  it('keeps the base namespace-free, labelled by its labels transformer', () => {
    const base = parseYaml(readFileSync(join(REPO_ROOT, 'k8s/base/kustomization.yaml'), 'utf8'))[0] as unknown as { resources: string[] };
    const sources = base.resources.flatMap((file) => readManifest(`k8s/base/${file}`));
    expect(sources.filter((object) => object.kind === 'Namespace' || object.metadata.namespace !== undefined).map(objectId)).toEqual([]);
    expect(sources.filter((object) => object.metadata.labels?.['app.kubernetes.io/name'] !== undefined).map(objectId)).toEqual([]);
    for (const object of renderKustomization('k8s/base')) {
      expect({ id: objectId(object), namespace: object.metadata.namespace }).toEqual({ id: objectId(object), namespace: undefined });
      expect(object.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': APP, 'app.kubernetes.io/part-of': APP });
    }
    // The labels stay off selectors: kustomize would also have added them to the kube-dns selector.
    const dns = findObject(renderKustomization('k8s/base'), 'NetworkPolicy').spec.egress[0].to[0].podSelector.matchLabels;
    expect(dns).toEqual({ 'k8s-app': 'kube-dns' });
  });

  it('puts each environment in a namespace of its own, which it creates', () => {
    const namespaces = ['k8s/overlays/dev', 'k8s/overlays/staging', 'k8s/overlays/prod'].map((dir) => {
      const objects = renderKustomization(dir);
      const created = objects.filter((object) => object.kind === 'Namespace');
      expect(created).toHaveLength(1);
      const name = created[0].metadata.name;
      expect(created[0].metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
      const elsewhere = objects.filter((object) => object.kind !== 'Namespace' && object.metadata.namespace !== name);
      expect({ dir, elsewhere: elsewhere.map(objectId) }).toEqual({ dir, elsewhere: [] });
      return name;
    });
    expect(new Set(namespaces).size).toBe(3);
  });

  it('lets the ServiceMonitor find the Service in whichever namespace the overlay chose', () => {
    for (const dir of ['k8s/overlays/staging', 'k8s/overlays/prod']) {
      const objects = renderKustomization(dir);
      const monitor = findObject(objects, 'ServiceMonitor');
      expect(monitor.spec.namespaceSelector).toBeUndefined();
      expect(monitor.metadata.namespace).toBe(findObject(objects, 'Service', APP).metadata.namespace);
    }
  });

  it('renders the top-level kustomization (apply -k .) exactly as the plain manifests (apply -f k8s/)', () => {
    expect(sortById(renderKustomization('.'))).toEqual(sortById(plainObjects()));
  });

  it('gives each environment its own image tag, log level and ingress host', () => {
    const images = new Set<string>();
    const hosts = new Set<string>();
    for (const dir of ['k8s/overlays/dev', 'k8s/overlays/staging', 'k8s/overlays/prod']) {
      const objects = renderKustomization(dir);
      images.add(findObject(objects, 'Deployment', APP).spec.template.spec.containers[0].image);
      hosts.add(findObject(objects, 'Ingress').spec.rules[0].host);
    }
    expect(images.size).toBe(3);
    expect(hosts.size).toBe(3);
    const prod = renderKustomization('k8s/overlays/prod');
    expect(findObject(prod, 'Deployment', APP).spec.template.spec.containers[0].image).not.toMatch(/:latest$|^[^:]+$/);
    expect(findObject(renderKustomization('k8s/overlays/dev'), 'ConfigMap', 'xdp-mcp-defaults').data.LOG_LEVEL).toBe('debug');
  });

  it('lists the optional tracing component in every overlay; turned on, it adds only the OTLP endpoint to the ConfigMap', () => {
    for (const dir of ['k8s/overlays/dev', 'k8s/overlays/staging', 'k8s/overlays/prod']) {
      expect(readFileSync(join(REPO_ROOT, dir, 'kustomization.yaml'), 'utf8')).toContain('# - ../../components/tracing');
      expect(findObject(renderKustomization(dir), 'ConfigMap', 'xdp-mcp-defaults').data.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    }
    // The overlay as an operator would have it after uncommenting the line.
    const dir = mkdtempSync(join(REPO_ROOT, 'k8s', '.tracing-'));
    try {
      writeFileSync(join(dir, 'kustomization.yaml'), 'resources:\n  - ../overlays/prod\ncomponents:\n  - ../components/tracing\n');
      const traced = parseYaml(execFileSync('kubectl', ['kustomize', dir], { cwd: REPO_ROOT, encoding: 'utf8' }));
      const config = findObject(traced, 'ConfigMap', 'xdp-mcp-defaults').data;
      const plain = findObject(renderKustomization('k8s/overlays/prod'), 'ConfigMap', 'xdp-mcp-defaults').data;
      expect(config).toEqual({ ...plain, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability.svc:4318' });
      expect(knownSettings()).toContain('OTEL_EXPORTER_OTLP_ENDPOINT');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs dev on a fixed single replica and the other environments under the autoscaler', () => {
    const dev = renderKustomization('k8s/overlays/dev');
    expect(findObject(dev, 'Deployment', APP).spec.replicas).toBe(1);
    expect(dev.some((object) => object.kind === 'HorizontalPodAutoscaler')).toBe(false);
    const prodHpa = findObject(renderKustomization('k8s/overlays/prod'), 'HorizontalPodAutoscaler');
    const stagingHpa = findObject(renderKustomization('k8s/overlays/staging'), 'HorizontalPodAutoscaler');
    expect(prodHpa.spec.minReplicas).toBeGreaterThanOrEqual(stagingHpa.spec.minReplicas);
    expect(prodHpa.spec.maxReplicas).toBeGreaterThan(stagingHpa.spec.maxReplicas);
  });
});

describe.each(variants)('policy: %s', (_name, load) => {
  let objects: K8sObject[];
  let deployment: K8sObject;
  let pod: any;
  let container: any;
  let configMap: K8sObject;

  beforeAll(() => {
    objects = load();
    deployment = findObject(objects, 'Deployment', APP);
    pod = deployment.spec.template.spec;
    container = pod.containers.find((candidate: { name: string }) => candidate.name === APP);
    configMap = findObject(objects, 'ConfigMap', 'xdp-mcp-defaults');
  });

  it('labels the pods app.kubernetes.io/name and every selector matches them', () => {
    const podLabels = deployment.spec.template.metadata.labels;
    expect(podLabels['app.kubernetes.io/name']).toBe(APP);
    expectSubset(deployment.spec.selector.matchLabels, podLabels, 'Deployment');
    const service = findObject(objects, 'Service', APP);
    expectSubset(service.spec.selector, podLabels, 'Service');
    expectSubset(findObject(objects, 'PodDisruptionBudget').spec.selector.matchLabels, podLabels, 'PodDisruptionBudget');
    expectSubset(findObject(objects, 'NetworkPolicy').spec.podSelector.matchLabels, podLabels, 'NetworkPolicy');
    for (const monitor of objects.filter((object) => object.kind === 'ServiceMonitor')) {
      expectSubset(monitor.spec.selector.matchLabels, service.metadata.labels, 'ServiceMonitor');
      const portNames = service.spec.ports.map((port: { name: string }) => port.name);
      for (const endpoint of monitor.spec.endpoints) expect(portNames).toContain(endpoint.port);
    }
    for (const hpa of objects.filter((object) => object.kind === 'HorizontalPodAutoscaler')) {
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: APP });
    }
  });

  it('serves port 8080 named http through a ClusterIP Service with client-IP affinity', () => {
    const service = findObject(objects, 'Service', APP);
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.sessionAffinity).toBe('ClientIP');
    expect(service.spec.ports).toEqual([expect.objectContaining({ name: 'http', port: 8080, targetPort: 'http' })]);
    expect(container.ports).toEqual([expect.objectContaining({ name: 'http', containerPort: 8080 })]);
    expect(configMap.data.PORT).toBe('8080');
  });

  it('probes /health (startup, liveness) and /ready (readiness) on the http port', () => {
    expect(container.startupProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
  });

  it("takes the shipped defaults, then the operator's ConfigMap (optional, never shipped), then the Secret", () => {
    expect(container.envFrom).toEqual([
      { configMapRef: { name: configMap.metadata.name } },
      { configMapRef: { name: OPERATOR_CONFIG, optional: true } },
      { secretRef: { name: SECRET } },
    ]);
    // Shipping the operator's ConfigMap would let `kubectl apply -f k8s/` prune keys they added (step 4 of the guide).
    expect(objects.filter((object) => object.metadata.name === OPERATOR_CONFIG)).toEqual([]);
  });

  it('reads MCP_AUTH_TOKEN from the Secret as optional, so a Secret with only the XDP keys still starts (locked)', () => {
    expect(container.env).toEqual([
      { name: 'MCP_AUTH_TOKEN', valueFrom: { secretKeyRef: { name: SECRET, key: 'MCP_AUTH_TOKEN', optional: true } } },
    ]);
  });

  it('puts only settings the server reads in the ConfigMap, and no credentials', () => {
    const known = new Set(knownSettings());
    const keys = Object.keys(configMap.data);
    expect(keys.filter((key) => !known.has(key))).toEqual([]);
    expect(keys.filter((key) => /SECRET|TOKEN|PASSWORD|JWT|ACCESS_KEY/.test(key))).toEqual([]);
    expect(configMap.data).toEqual(expect.objectContaining({ NODE_ENV: 'production' }));
    // A placeholder upstream would override nothing useful and mask a missing operator setting.
    expect(configMap.data.XDP_BASE_URL).toBeUndefined();
  });

  it('runs hardened: non-root, read-only root filesystem with /tmp on an emptyDir, no capabilities, RuntimeDefault seccomp', () => {
    expect(pod.securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }));
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.hostNetwork ?? false).toBe(false);
    expect(container.securityContext).toEqual(
      expect.objectContaining({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      }),
    );
    expect(container.securityContext.privileged ?? false).toBe(false);
    const tmp = container.volumeMounts.find((mount: { mountPath: string }) => mount.mountPath === '/tmp');
    expect(pod.volumes.find((volume: { name: string }) => volume.name === tmp.name).emptyDir).toBeDefined();
  });

  it('sets requests and limits and spreads pods across nodes', () => {
    for (const section of ['requests', 'limits']) expect(Object.keys(container.resources[section]).sort()).toEqual(['cpu', 'memory']);
    expect(pod.topologySpreadConstraints.map((constraint: { topologyKey: string }) => constraint.topologyKey)).toContain(
      'kubernetes.io/hostname',
    );
  });

  it('gives the server longer than preStop plus its drain time before SIGKILL', () => {
    const drainMs = Number(configMap.data.SHUTDOWN_GRACE_MS);
    expect(Number.isInteger(drainMs)).toBe(true);
    const [command, seconds] = container.lifecycle.preStop.exec.command;
    expect(command).toBe('sleep');
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(Number(seconds) * 1000 + drainMs);
  });

  it('allows DNS, HTTPS and Trino egress, and ingress only on 8080', () => {
    const policy = findObject(objects, 'NetworkPolicy');
    expect(policy.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    const egressPorts = policy.spec.egress.flatMap((rule: { ports: unknown[] }) => rule.ports);
    for (const port of [
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
      { protocol: 'TCP', port: 443 },
      { protocol: 'TCP', port: 8080 },
    ]) {
      expect(egressPorts).toContainEqual(port);
    }
    const ingressPorts = policy.spec.ingress.flatMap((rule: { ports: unknown[] }) => rule.ports);
    expect(ingressPorts).toEqual([{ protocol: 'TCP', port: 8080 }]);
  });

  it('sizes memory from the measured RSS: the request holds a pod at rest, the limit 1.5x the load peak', () => {
    const request = mebibytes(container.resources.requests.memory);
    const limit = mebibytes(container.resources.limits.memory);
    expect(request).toBeGreaterThanOrEqual(MEASURED.idleMiB);
    expect(limit).toBeGreaterThanOrEqual(1.5 * MEASURED.peakMiB);
  });

  it('autoscales CPU-led within 2-10 replicas, with memory only as a valve above the measured load peak', () => {
    for (const hpa of objects.filter((object) => object.kind === 'HorizontalPodAutoscaler')) {
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      const [first, ...rest] = hpa.spec.metrics;
      expect(first.resource).toEqual({ name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } });
      for (const metric of rest) {
        expect(metric.resource.name).toBe('memory');
        const threshold = (metric.resource.target.averageUtilization / 100) * mebibytes(container.resources.requests.memory);
        expect(threshold).toBeGreaterThanOrEqual(1.25 * MEASURED.peakMiB);
        expect(threshold).toBeLessThan(mebibytes(container.resources.limits.memory));
      }
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpa.spec.maxReplicas).toBeLessThanOrEqual(10);
    }
  });

  it('exposes the client entrances through a TLS ingress with WebSocket-length timeouts, and not /metrics', () => {
    const ingress = findObject(objects, 'Ingress');
    const annotations = ingress.metadata.annotations ?? {};
    expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(3600);
    expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout'])).toBeGreaterThanOrEqual(3600);
    const hosts = ingress.spec.rules.map((rule: { host: string }) => rule.host);
    expect(ingress.spec.tls.flatMap((tls: { hosts: string[] }) => tls.hosts)).toEqual(expect.arrayContaining(hosts));
    const paths = ingress.spec.rules.flatMap((rule: any) => rule.http.paths);
    expect(paths.map((path: { path: string }) => path.path)).toEqual(expect.arrayContaining(['/mcp', '/ws', '/api']));
    expect(paths.some((path: { path: string }) => path.path === '/' || path.path.startsWith('/metrics'))).toBe(false);
    for (const path of paths) expect(path.backend.service).toEqual({ name: APP, port: { name: 'http' } });
  });
});

/** Metric names used in a PromQL expression: identifiers directly followed by a label selector. */
function metricNames(expression: string): string[] {
  return [...expression.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{/g)].map((match) => match[1]);
}

function exportedMetricNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

describe('manifests against the running server', () => {
  let server: TestServer;
  const deployment = () => findObject(plainObjects(), 'Deployment', APP);

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    await server?.close();
  });

  it('answers 200 on every probe path of the Deployment', async () => {
    const [container] = deployment().spec.template.spec.containers;
    const paths = [container.startupProbe, container.livenessProbe, container.readinessProbe].map((probe) => probe.httpGet.path);
    for (const path of new Set(paths)) expect({ path, status: (await getJson(server.url + path)).status }).toEqual({ path, status: 200 });
  });

  it('serves Prometheus metrics on the ServiceMonitor path', async () => {
    const [endpoint] = findObject(monitoringObjects(), 'ServiceMonitor').spec.endpoints;
    const response = await fetch(server.url + endpoint.path);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('# TYPE xdp_mcp_tool_calls_total counter');
  });

  it('alerts and dashboard panels query only metrics the server exports (or Prometheus, kube-state-metrics, cAdvisor series)', async () => {
    const exported = exportedMetricNames(await (await fetch(server.url + '/metrics')).text());
    const rules = findObject(monitoringObjects(), 'PrometheusRule').spec.groups.flatMap((group: any) => group.rules);
    const dashboardJson = findObject(monitoringObjects(), 'ConfigMap', 'xdp-mcp-server-dashboard').data['xdp-mcp-server.json'];
    const panels = JSON.parse(dashboardJson).panels;
    const expressions: string[] = [
      ...rules.map((rule: { expr: string }) => rule.expr),
      ...panels.flatMap((panel: any) => panel.targets.map((target: { expr: string }) => target.expr)),
    ];
    expect(rules.length).toBeGreaterThanOrEqual(5);
    const used = expressions.flatMap(metricNames);
    expect(used.length).toBeGreaterThan(expressions.length - 1);
    expect([...new Set(used)].filter((name) => !exported.has(name) && !EXTERNAL_METRIC.test(name))).toEqual([]);
    // The ServiceMonitor's job label is the Service name.
    for (const expression of expressions) for (const [, job] of expression.matchAll(/job="([^"]+)"/g)) expect(job).toBe(APP);
  });

  it('labels the dashboard for the Grafana sidecar', () => {
    const dashboard = findObject(monitoringObjects(), 'ConfigMap', 'xdp-mcp-server-dashboard');
    expect(dashboard.metadata.labels?.grafana_dashboard).toBe('1');
    expect(JSON.parse(dashboard.data['xdp-mcp-server.json']).panels.length).toBeGreaterThanOrEqual(8);
  });
});
