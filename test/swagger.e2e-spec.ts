import { getJson, startTestServer, type TestServer } from './support/app-harness.js';
import { FakeXdpServer } from './fakes/fake-xdp.server.js';

/**
 * The OpenAPI document as a newcomer uses it in Swagger UI: each operation once, under one tag;
 * "Try it out" with the document's own examples works on the default data; the lock icon only
 * where a token is needed; and each error status shows an answer the server really gives.
 */

const TOKEN = 'swagger-e2e-token-0123456789abcdef';
const OPEN_PATHS = ['/health', '/ready', '/metrics'];

interface Operation {
  method: string;
  path: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; example?: unknown; schema?: { example?: unknown } }[];
  requestBody?: { content: Record<string, { schema: { $ref?: string }; example?: unknown }> };
  responses: Record<string, { content?: Record<string, { example?: any }> }>;
}

interface OpenApiDocument {
  security?: unknown;
  paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>>;
  components: { schemas: Record<string, { properties?: Record<string, { example?: unknown }>; required?: string[] }> };
}

function operations(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, operation]) => ({ ...operation, method, path })),
  );
}

/** The request Swagger UI builds from the document's examples alone. */
function exampleRequest(document: OpenApiDocument, operation: Operation): { url: string; init: RequestInit; missing: string[] } {
  const query = new URLSearchParams();
  const missing: string[] = [];
  for (const parameter of operation.parameters ?? []) {
    const example = parameter.example ?? parameter.schema?.example;
    if (example !== undefined) query.set(parameter.name, String(example));
    else if (parameter.required) missing.push(parameter.name);
  }
  const headers: Record<string, string> = operation.security?.length ? { authorization: `Bearer ${TOKEN}` } : {};
  let body: string | undefined;
  const json = operation.requestBody?.content['application/json'];
  if (json) {
    let example = json.example as Record<string, unknown> | undefined;
    if (example === undefined && json.schema.$ref) {
      const schema = document.components.schemas[json.schema.$ref.split('/').at(-1)!];
      example = Object.fromEntries(
        Object.entries(schema.properties ?? {}).flatMap(([name, property]) =>
          property.example === undefined ? [] : [[name, property.example]],
        ),
      );
      missing.push(...(schema.required ?? []).filter((name) => example![name] === undefined));
    }
    body = JSON.stringify(example ?? {});
    headers['content-type'] = 'application/json';
  }
  const suffix = query.size > 0 ? `?${query}` : '';
  return { url: `${operation.path}${suffix}`, init: { method: operation.method.toUpperCase(), headers, body }, missing };
}

describe('Swagger / OpenAPI document (e2e)', () => {
  let xdp: FakeXdpServer;
  /** Default data plus XDP (the fake) and a token, so every operation can run. */
  let server: TestServer;
  /** The zero-config default: no XDP, no authentication. */
  let plain: TestServer;
  let document: OpenApiDocument;

  beforeAll(async () => {
    xdp = await FakeXdpServer.start();
    server = await startTestServer({ env: { ...xdp.env(), MCP_AUTH_TOKEN: TOKEN, XDP_HEALTH_INTERVAL_MS: '3600000' } });
    plain = await startTestServer({ imports: [] });
    document = (await getJson(`${server.url}/api/docs-json`)).body;
  });

  afterAll(async () => {
    await server?.close();
    await plain?.close();
    await xdp?.close();
  });

  it('lists every operation once, each under exactly one tag', () => {
    const all = operations(document);
    expect(all.length).toBeGreaterThanOrEqual(12);
    const ids = all.map((operation) => `${operation.method} ${operation.path}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(
      all
        .filter((operation) => operation.tags?.length !== 1)
        .map((operation) => `${operation.method} ${operation.path}: ${operation.tags}`),
    ).toEqual([]);
  });

  it('asks for the bearer token on the /api operations only, not on probes and metrics', () => {
    expect(document.security).toBeUndefined();
    for (const operation of operations(document)) {
      const secured = (operation.security ?? []).some((requirement) => 'bearer' in requirement);
      expect({ path: operation.path, secured }).toEqual({ path: operation.path, secured: operation.path.startsWith('/api/') });
    }
    for (const path of OPEN_PATHS) expect(Object.keys(document.paths)).toContain(path);
  });

  it("runs every operation's examples against the running app with a 2xx answer", async () => {
    const outcomes: Record<string, unknown>[] = [];
    for (const operation of operations(document)) {
      const request = exampleRequest(document, operation);
      // The SQL examples run on the zero-config default data (configuring XDP replaces the embedded dataplane).
      const target = operation.tags?.[0] === 'xdp' ? server : plain;
      const response = await fetch(`${target.url}${request.url}`, request.init);
      const text = await response.text();
      outcomes.push({
        operation: `${operation.method} ${request.url}`,
        missing: request.missing,
        status: response.status,
        ok: response.ok,
        error: response.ok ? undefined : text.slice(0, 300),
      });
    }
    expect(outcomes.filter((outcome) => !outcome.ok || (outcome.missing as string[]).length > 0)).toEqual([]);
  });

  it('runs the execute example as a query that returns rows from sales.orders', async () => {
    const execute = operations(document).find((operation) => operation.path === '/api/tools/execute')!;
    const request = exampleRequest(document, execute);
    const result = (await (await fetch(`${plain.url}${request.url}`, request.init)).json()) as {
      isError?: boolean;
      structuredContent: { rowCount: number };
    };
    expect(result.isError).toBeUndefined();
    expect(result.structuredContent.rowCount).toBeGreaterThan(0);
  });

  it('gives each error status of an operation its own example, whose status matches', () => {
    for (const operation of operations(document).filter((candidate) => candidate.path.startsWith('/api/'))) {
      const errors = Object.entries(operation.responses).filter(([status]) => Number(status) >= 400);
      expect(errors.length).toBeGreaterThan(0);
      const examples = errors.map(([status, response]) => {
        const example = response.content?.['application/json']?.example;
        expect({ operation: operation.path, status, exampleStatus: example?.error?.status }).toEqual({
          operation: operation.path,
          status,
          exampleStatus: Number(status),
        });
        return JSON.stringify(example);
      });
      expect(new Set(examples).size).toBe(examples.length);
    }
  });

  /** Reproduces an error example on the zero-config server and compares the whole answer. */
  async function expectExampleIsTrue(path: string, status: number, url: string, init: RequestInit = {}, target = plain): Promise<void> {
    const operation = operations(document).find(
      (candidate) => candidate.path === path && candidate.method === (init.method ?? 'GET').toLowerCase(),
    )!;
    const example = operation.responses[String(status)].content!['application/json'].example;
    const response = await fetch(`${target.url}${url}`, init);
    expect({ status: response.status, body: await response.json() }).toEqual({ status, body: example });
  }

  const post = (body: unknown): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  it('shows error examples the server really answers (400, 401, 404, 503)', async () => {
    await expectExampleIsTrue('/api/tools/execute', 400, '/api/tools/execute', post({ tool: 'trino_execute_query', params: {} }));
    await expectExampleIsTrue('/api/tools/execute', 404, '/api/tools/execute', post({ tool: 'trino_query', params: {} }));
    await expectExampleIsTrue('/api/tools/list', 401, '/api/tools/list', { method: 'POST' }, server);
    // The XDP tools' own schemas judge their arguments, so those refusals need the XDP-configured server.
    const withToken = { headers: { authorization: `Bearer ${TOKEN}` } };
    await expectExampleIsTrue('/api/xdp/datastores', 400, '/api/xdp/datastores?size=500', withToken, server);
    await expectExampleIsTrue('/api/xdp/dataplanes', 400, '/api/xdp/dataplanes?page=1', withToken, server);
    await expectExampleIsTrue('/api/xdp/datastores', 503, '/api/xdp/datastores');
    await expectExampleIsTrue('/api/xdp/dataplanes', 503, '/api/xdp/dataplanes');
    await expectExampleIsTrue('/api/trino/query', 400, '/api/trino/query', post({ query: 'SELECT 1', maxRows: 0 }));
    await expectExampleIsTrue('/api/trino/query', 404, '/api/trino/query', post({ query: 'SELECT 1', dataplane: 'nope' }));
    await expectExampleIsTrue('/api/trino/catalogs', 400, '/api/trino/catalogs?dataplane=');
    await expectExampleIsTrue('/api/trino/catalogs', 404, '/api/trino/catalogs?dataplane=nope');
  });
});
