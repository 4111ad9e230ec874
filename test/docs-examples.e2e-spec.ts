import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { load } from 'js-yaml';
import * as ts from 'typescript';
import {
  kubectlAvailable,
  parseYaml,
  plainManifestFiles,
  readManifest,
  renderKustomization,
  REPO_ROOT,
  schemaProblems,
  type K8sObject,
} from './deploy/k8s-manifests.js';
import { type FencedBlock, fencedBlocks, type ShellCommand, shellCommands } from './support/markdown-blocks.js';
import { startTestServer, type TestServer } from './support/app-harness.js';

/**
 * Every fenced code block of the README, the docs and the client README gets the strongest check
 * that can run here: curl lines run against the app, kubectl apply/kustomize targets render and pass
 * the Kubernetes schemas, JSON parses (an MCP client configuration connects), YAML parses (container
 * env fragments pass the schemas), TypeScript type-checks against the client's sources. What needs a
 * cluster, Docker, a registry or a long run is listed in SKIPPED with the reason; a new command or
 * block that is neither checked nor listed fails the spec, and so does a listed entry that no longer exists.
 */

const DOCS = [
  'README.md',
  ...readdirSync(join(REPO_ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
  'libs/mcp-client/README.md',
];

/** The token of the "configured deployment" server the guide's authenticated examples talk to. */
const TOKEN = 'docs-example-token-0123456789abcdef';

const CLUSTER =
  'needs a Kubernetes cluster (no API server here); the objects it refers to are rendered and schema-checked by the kubectl apply/kustomize checks';
const SKIPPED: Record<string, string[]> = {
  [CLUSTER]: [
    'docs/deployment.md: kubectl create namespace mcp-server',
    "docs/deployment.md: kubectl create secret generic xdp-mcp-secrets --namespace=mcp-server --from-literal=XDP_ACCESS_KEY='your-access-key' --from-literal=XDP_SECRET_KEY='your-secret-key' --from-literal=MCP_AUTH_TOKEN=\"$MCP_AUTH_TOKEN\"",
    'docs/deployment.md: kubectl patch secret xdp-mcp-secrets -n mcp-server --type merge -p "{\\"stringData\\":{\\"MCP_AUTH_TOKEN\\":\\"$MCP_AUTH_TOKEN\\"}}"',
    'docs/deployment.md: kubectl rollout restart deployment/xdp-mcp-server -n mcp-server',
    'docs/deployment.md: kubectl get pods -n mcp-server',
    'docs/deployment.md: kubectl get svc -n mcp-server',
    'docs/deployment.md: kubectl logs -n mcp-server -l app.kubernetes.io/name=xdp-mcp-server',
    'docs/deployment.md: kubectl port-forward -n mcp-server svc/xdp-mcp-server 8080:8080',
    'docs/deployment.md: kubectl create secret generic bolt-secrets -n bolt-namespace --from-literal=MCP_AUTH_TOKEN="$MCP_AUTH_TOKEN"',
    'docs/deployment.md: kubectl patch deployment bolt-diy -n bolt-namespace --patch-file k8s/examples/bolt-diy-env.patch.yaml',
    'docs/deployment.md: kubectl logs -n mcp-server -l app.kubernetes.io/name=xdp-mcp-server -f',
    'docs/deployment.md: kubectl logs -n mcp-server xdp-mcp-server-<pod-id>',
    'docs/deployment.md: kubectl logs -n mcp-server xdp-mcp-server-<pod-id> --previous',
    'docs/deployment.md: kubectl logs -n mcp-server deploy/xdp-mcp-server --previous',
    'docs/deployment.md: kubectl describe pod -n mcp-server -l app.kubernetes.io/name=xdp-mcp-server',
    'docs/deployment.md: kubectl get endpoints -n mcp-server',
    'docs/deployment.md: kubectl run test-pod -n bolt-namespace --image=curlimages/curl -it --rm -- sh',
    'docs/deployment.md: kubectl patch configmap xdp-mcp-config -n mcp-server --type merge -p \'{"data":{"LOG_LEVEL":"debug"}}\'',
    'docs/deployment.md: kubectl create secret generic xdp-mcp-secrets --namespace=mcp-server --from-literal=XDP_ACCESS_KEY="${XDP_ACCESS_KEY}" --from-literal=XDP_SECRET_KEY="${XDP_SECRET_KEY}" --from-literal=MCP_AUTH_TOKEN="${MCP_AUTH_TOKEN}"',
    'docs/deployment.md: kubectl rollout status deployment/xdp-mcp-server -n mcp-server',
    'docs/deployment.md: kubectl port-forward -n mcp-server svc/xdp-mcp-server 8080:8080 &',
    'docs/deployment.md: kubectl logs -n mcp-server -l app.kubernetes.io/name=xdp-mcp-server --tail=100',
    'docs/deployment.md: kubectl delete namespace mcp-server',
    'docs/deployment.md: kubectl delete -f k8s/examples/cross-namespace-service.yaml',
    'docs/deployment.md: kubectl delete secret bolt-secrets -n bolt-namespace',
  ],
  'needs Docker and a registry; test/deploy/dockerfile.spec.ts checks the Dockerfile': [
    'docs/deployment.md: docker build --platform linux/amd64 -t xdp-mcp-server:latest .',
    'docs/deployment.md: docker tag xdp-mcp-server:latest <your-registry>/xdp-mcp-server:latest',
    'docs/deployment.md: docker push <your-registry>/xdp-mcp-server:latest',
  ],
  'shell variable assignment used by the following commands; the openssl output is a secret the examples stand in for': [
    'docs/deployment.md: MCP_AUTH_TOKEN="$(openssl rand -hex 32)"',
  ],
  'installs, builds and runs the whole suite or a long-running server; the suite itself (and test/cli.e2e-spec.ts for the built server) is that check':
    ['README.md: npm ci && npm start', 'README.md: npm ci && npm test'],
  'benchmarks run for minutes and are excluded from test runs on shared machines (bench/ is their own harness)': [
    'docs/performance.md: npm run bench',
    'docs/performance.md: BENCH_RUNS=7 BENCH_SECONDS=5 BENCH_WARMUP_SECONDS=10 npm run bench',
    'docs/performance.md: BENCH_ONLY=ws,mcp node bench/run.mjs',
    'docs/performance.md: BENCH_ONLY=aa node bench/run.mjs',
    'docs/performance.md: node bench/load.mjs',
    'docs/performance.md: BENCH_QUICK=1 node bench/run.mjs',
    'docs/performance.md: BENCH_NODE22=/path/to/node22 BENCH_NODE20=/path/to/node20 node bench/run.mjs',
  ],
  'test/mcp-client-package.e2e-spec.ts runs these: it packs libs/mcp-client, installs the tarball into an empty project and runs the usage example from it':
    [
      'libs/mcp-client/README.md: cd libs/mcp-client && npm pack',
      'libs/mcp-client/README.md: cd /path/to/your-app && npm install /path/to/xdp-mcp-websocket-client-0.1.0.tgz',
    ],
  'text diagram or file listing, not code': [
    'README.md: apps/xdp-mcp-server/     the application: main.ts (entry), bootstrap, AppModule, REST ApiController',
    'docs/architecture.md:  Bolt.diy / Claude / Inspector ──POST /mcp──┐',
    'docs/architecture.md: AppConfigModule (global: AppConfig)',
    'docs/deployment.md: ┌──────────────────┐  HTTP /mcp  ┌──────────────────────┐  HTTPS  ┌──────────────────┐',
    'docs/observability.md: tools/call                              SERVER  (MCP request; or POST /api/trino/query for REST)',
  ],
};

type Check = { kind: 'curl' | 'kubectl' | 'json' | 'yaml' | 'typescript'; needsKubectl?: boolean; run: () => Promise<void> | void };

interface Servers {
  /** The README's quick start: no configuration at all. */
  open: TestServer;
  /** The guide's deployment: production with a client token. */
  configured: TestServer;
  /** XDP configured, pointing at `xdpSamples`. */
  withXdp: TestServer;
  /** Answers XDP's endpoints with the sample bodies of docs/xdp-rest-api.md. */
  xdpSamples: Server;
}

/**
 * docs/xdp-rest-api.md shows one sample answer per XDP endpoint; the app must read each as the doc
 * says (the sample's values reach the REST answer). Which endpoint a sample belongs to is told by its shape.
 */
const XDP_SAMPLES: { endpoint: string; marker: string; check: () => Promise<{ status: number; body: any }> }[] = [
  {
    endpoint: '/xdp-cp-service/api/datastore',
    marker: '"dataStores"',
    check: () => requestOnce('GET', `${servers.withXdp.url}/api/xdp/datastores`),
  },
  {
    endpoint: '/xdp-cp-service/api/dataplane',
    marker: '"dataplanes"',
    check: () => requestOnce('GET', `${servers.withXdp.url}/api/xdp/dataplanes`),
  },
  {
    endpoint: '/xdp-cp-service/api/query/execute',
    marker: '"queryId"',
    check: () =>
      requestOnce('POST', `${servers.withXdp.url}/api/trino/query`, {
        dataplane: 'analytics-dp',
        query: 'SELECT region, revenue FROM sales.revenue',
      }),
  },
];

const xdpSampleBodies = new Map<string, string>();

function startXdpSamples(): Promise<Server> {
  const server = createServer((request, response) => {
    const body = xdpSampleBodies.get((request.url ?? '').split('?')[0]);
    request.resume();
    response.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(body ?? '{}');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The app answers 200 and the sample's names and values (the data store, the dataplane, a result row) reach the caller. */
async function checkXdpSample(text: string): Promise<void> {
  const sample = XDP_SAMPLES.find(({ marker }) => text.includes(marker));
  if (!sample) return;
  const { status, body } = await sample.check();
  const answer = JSON.stringify(body);
  expect({ endpoint: sample.endpoint, status }).toEqual({ endpoint: sample.endpoint, status: 200 });
  for (const value of text.match(/"(sales-lake|analytics-dp|EMEA|98231\.50)"/g) ?? [])
    expect({ endpoint: sample.endpoint, value, found: answer.includes(value.slice(1, -1)) }).toEqual({
      endpoint: sample.endpoint,
      value,
      found: true,
    });
}

const servers = {} as Servers;

function serverFor(file: string): TestServer {
  return file === 'README.md' ? servers.open : servers.configured;
}

/** Runs a documented curl line against the test server: the documented host becomes the server's, and the answer must be 2xx. */
async function runCurl(file: string, command: string): Promise<void> {
  const server = serverFor(file);
  const rewritten = command
    .replace(/(https?:\/\/)?[\w.-]+:8080/g, server.url)
    .replace(/^curl /, `curl --fail-with-body --max-time 20 -w '%{stderr}%{http_code}' `);
  // Asynchronously: the server answering it runs in this process.
  const result = await promisify(execFile)('bash', ['-o', 'pipefail', '-c', rewritten], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, MCP_AUTH_TOKEN: TOKEN },
  }).then(
    ({ stderr }) => ({ stderr, exit: 0 }),
    (error: { stderr: string; code: number }) => ({ stderr: error.stderr, exit: error.code }),
  );
  expect({ command, status: result.stderr.slice(-3), exit: result.exit }).toEqual({
    command,
    status: expect.stringMatching(/^2\d\d$/),
    exit: 0,
  });
}

function expectValidObjects(source: string, objects: K8sObject[]): void {
  expect({ source, count: objects.length > 0 }).toEqual({ source, count: true });
  expect({ source, problems: schemaProblems(objects) }).toEqual({ source, problems: [] });
}

function kubectlCheck(file: string, command: ShellCommand): Check | undefined {
  const match = /^kubectl (?:apply (-f|-k)|(kustomize)) (\S+)/.exec(command.text);
  if (!match) return undefined;
  const [, flag, kustomize, target] = match;
  return {
    kind: 'kubectl',
    needsKubectl: flag === '-k' || Boolean(kustomize),
    run: () => {
      if (target === '-' && command.heredoc !== undefined) return expectValidObjects(`${file}: here-document`, parseYaml(command.heredoc));
      if (flag === '-k' || kustomize) return expectValidObjects(command.text, renderKustomization(target.replace(/\/$/, '') || '.'));
      const files = target.replace(/\/$/, '') === 'k8s' ? plainManifestFiles() : [target];
      expectValidObjects(
        command.text,
        files.flatMap((path) => readManifest(path)),
      );
    },
  };
}

/**
 * A request on a fresh connection. The kubectl checks block this process for seconds, long enough for
 * the server to close an idle keep-alive socket that fetch would then reuse (ECONNRESET).
 */
function requestOnce(
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, agent: false, headers: { 'content-type': 'application/json', ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
      });
    });
    request.on('error', reject);
    request.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** A client configuration in Claude Desktop format: each server's URL path and headers must open an MCP session on the app. */
async function connectMcpServers(config: { mcpServers: Record<string, { url: string; headers?: Record<string, string> }> }): Promise<void> {
  for (const [name, entry] of Object.entries(config.mcpServers)) {
    const headers = Object.fromEntries(Object.entries(entry.headers ?? {}).map(([key, value]) => [key, value.replace(/<[^>]+>/, TOKEN)]));
    const response = await requestOnce(
      'POST',
      servers.configured.url + new URL(entry.url).pathname,
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'docs', version: '0' } },
      },
      { accept: 'application/json, text/event-stream', ...headers },
    );
    expect({ name, status: response.status, server: response.body?.result?.serverInfo?.name }).toEqual({
      name,
      status: 200,
      server: expect.any(String),
    });
  }
}

/** The snippet must type-check against the client's sources, as an app importing the package would. */
function typeCheck(block: FencedBlock): void {
  const fileName = join(REPO_ROOT, `docs-example-${block.file.replace(/\W/g, '_')}-${block.line}.mts`);
  // A later snippet of the client README continues the usage example: it uses its client.
  const prelude = block.text.includes('import ')
    ? ''
    : "import type { MCPWebSocketClient } from '@xdp/mcp-websocket-client';\ndeclare const mcpClient: MCPWebSocketClient;\n";
  const source = `${prelude}${block.text}\nexport {};\n`;
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2023,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    paths: { '@xdp/mcp-websocket-client': [join(REPO_ROOT, 'libs/mcp-client/src/index.ts')] },
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => (name === fileName ? source : readFile(name));
  host.fileExists = (name) => name === fileName || ts.sys.fileExists(name);
  host.getSourceFile = (name, language) =>
    name === fileName ? ts.createSourceFile(name, source, language) : getSourceFile(name, language);
  const program = ts.createProgram([fileName], options, host);
  const diagnostics = ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
  expect({ block: `${block.file}:${block.line}`, diagnostics }).toEqual({ block: `${block.file}:${block.line}`, diagnostics: [] });
}

function checksOf(block: FencedBlock): { checks: Check[]; unclassified: string[] } {
  const where = `${block.file}:${block.line}`;
  switch (block.lang) {
    case 'json':
      return {
        checks: [
          {
            kind: 'json',
            run: async () => {
              const value = JSON.parse(block.text) as Record<string, unknown>;
              if ('mcpServers' in value) await connectMcpServers(value as never);
              if (block.file === 'docs/xdp-rest-api.md') await checkXdpSample(block.text);
            },
          },
        ],
        unclassified: [],
      };
    case 'yaml':
      return {
        checks: [
          {
            kind: 'yaml',
            run: () => {
              const value = load(block.text) as { env?: unknown[] };
              // A container `env:` fragment: valid when a container carrying it is.
              const objects = value.env
                ? [
                    {
                      apiVersion: 'v1',
                      kind: 'Pod',
                      metadata: { name: 'docs-example' },
                      spec: { containers: [{ name: 'app', image: 'app:1', env: value.env }] },
                    },
                  ]
                : parseYaml(block.text);
              expectValidObjects(where, objects as K8sObject[]);
            },
          },
        ],
        unclassified: [],
      };
    case 'ts':
    case 'typescript':
      return { checks: [{ kind: 'typescript', run: () => typeCheck(block) }], unclassified: [] };
    case 'bash':
    case 'sh': {
      const checks: Check[] = [];
      const unclassified: string[] = [];
      for (const command of shellCommands(block.text)) {
        const kubectl = kubectlCheck(block.file, command);
        if (kubectl) checks.push(kubectl);
        else if (command.text.startsWith('curl ')) checks.push({ kind: 'curl', run: () => runCurl(block.file, command.text) });
        else unclassified.push(`${block.file}: ${command.text}`);
      }
      return { checks, unclassified };
    }
    default:
      return { checks: [], unclassified: [`${block.file}: ${block.text.split('\n')[0]}`] };
  }
}

describe('documented examples (e2e)', () => {
  const blocks = DOCS.flatMap((file) => fencedBlocks(REPO_ROOT, file));
  const classified = blocks.map((block) => ({ block, ...checksOf(block) }));
  const skipped = new Set(Object.values(SKIPPED).flat());

  beforeAll(async () => {
    for (const { endpoint, marker } of XDP_SAMPLES) {
      const sample = blocks.find((block) => block.file === 'docs/xdp-rest-api.md' && block.lang === 'json' && block.text.includes(marker));
      if (sample) xdpSampleBodies.set(endpoint, sample.text);
    }
    servers.xdpSamples = await startXdpSamples();
    const xdpUrl = `http://127.0.0.1:${(servers.xdpSamples.address() as AddressInfo).port}`;
    servers.withXdp = await startTestServer({
      imports: [],
      env: { XDP_BASE_URL: xdpUrl, XDP_ACCESS_KEY: 'docs-access-key', XDP_SECRET_KEY: 'docs-secret-key-0123456789' },
    });
    servers.open = await startTestServer({ imports: [] });
    servers.configured = await startTestServer({ imports: [], env: { NODE_ENV: 'production', MCP_AUTH_TOKEN: TOKEN } });
  });

  afterAll(async () => {
    await servers.open?.close();
    await servers.configured?.close();
    await servers.withXdp?.close();
    servers.xdpSamples?.close();
  });

  it('finds the blocks of every document, in every kind the docs use', () => {
    expect(blocks.length).toBeGreaterThan(30);
    const kinds = new Set(classified.flatMap(({ checks }) => checks.map((check) => check.kind)));
    expect([...kinds].sort()).toEqual(['curl', 'json', 'kubectl', 'typescript', 'yaml']);
  });

  it('has a sample answer in docs/xdp-rest-api.md for every XDP endpoint the app calls', () => {
    expect([...xdpSampleBodies.keys()].sort()).toEqual(XDP_SAMPLES.map(({ endpoint }) => endpoint).sort());
  });

  it('checks or lists, with a reason, every command and block (a new one must be classified)', () => {
    const unclassified = classified.flatMap(({ unclassified: lines }) => lines);
    expect(unclassified.filter((line) => !skipped.has(line))).toEqual([]);
    expect([...skipped].filter((line) => !unclassified.includes(line))).toEqual([]);
  });

  for (const { block, checks } of classified) {
    checks.forEach((check, index) => {
      // Without kubectl a kustomization cannot render: reported as skipped, never as passed.
      const test = check.needsKubectl && !kubectlAvailable ? it.skip : it;
      test(`${block.file}:${block.line} ${block.lang} #${index + 1} (${check.kind})`, async () => {
        await check.run();
      });
    });
  }
});
