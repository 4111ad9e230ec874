import { Ajv2020 } from 'ajv/dist/2020.js';
import { type Env, loadAppConfig } from '#config';
import { MetricsService } from '#observability';
import { ANONYMOUS, type ToolContext, type ToolDefinition } from '#tool-contract';
import { FAKE_CREDENTIAL_MARKER, FakeXdpServer } from '../../../../test/fakes/fake-xdp.server.js';
import { XdpClient } from '../client/xdp.client.js';
import { XdpHttpPool } from '../client/xdp-http.pool.js';
import { XdpToolsProvider } from './xdp-tools.provider.js';

const context = (signal = new AbortController().signal): ToolContext => ({
  signal,
  reportProgress: () => undefined,
  principal: ANONYMOUS,
  transport: 'rest',
});

function toolsFor(env: Env): { tools: Map<string, ToolDefinition<any, any>>; pool: XdpHttpPool } {
  const config = loadAppConfig(env);
  const pool = new XdpHttpPool(config);
  const tools = new XdpToolsProvider(config, new XdpClient(pool, config, new MetricsService())).tools();
  return { tools: new Map(tools.map((tool) => [tool.name, tool])), pool };
}

describe('XDP tools', () => {
  let xdp: FakeXdpServer;
  let tools: Map<string, ToolDefinition<any, any>>;
  let pool: XdpHttpPool;
  // The registry's settings: strict schemas, defaults applied.
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, useDefaults: true, allErrors: true });

  beforeAll(async () => {
    xdp = await FakeXdpServer.start();
    ({ tools, pool } = toolsFor(xdp.env()));
  });

  afterAll(async () => {
    await pool.onModuleDestroy();
    await xdp.close();
  });

  const datastores = () => tools.get('xdp_list_datastores')!;
  const dataplanes = () => tools.get('xdp_list_dataplanes')!;
  const defaults = (tool: ToolDefinition<any, any>, args: object) => {
    const value = structuredClone(args);
    if (!ajv.compile(tool.inputSchema)(value)) throw new Error('arguments rejected');
    return value;
  };

  it('registers no tools when XDP is not configured', () => {
    expect(toolsFor({}).tools.size).toBe(0);
  });

  it('publishes both tools as read-only, open-world, with output schemas', () => {
    for (const tool of [datastores(), dataplanes()]) {
      expect(tool.annotations).toEqual({ readOnlyHint: true, openWorldHint: true });
      expect(tool.outputSchema).toBeDefined();
    }
  });

  it('validates list_datastores arguments and applies the documented defaults', () => {
    const validate = ajv.compile(datastores().inputSchema);
    const args = {};
    expect(validate(args)).toBe(true);
    expect(args).toEqual({ page: 0, size: 20, sortBy: 'updatedAt:asc' });
    for (const bad of [
      { page: -1 },
      { size: 0 },
      { size: 101 },
      { sortBy: 'name' },
      { sortBy: 'name:up' },
      { sortBy: 'a;drop:asc' },
      { extra: 1 },
      { page: 1.5 },
    ]) {
      expect(validate(bad)).toBe(false);
    }
  });

  it('returns structured data stores that conform to the output schema, with pagination', async () => {
    const output = await datastores().handler(defaults(datastores(), { page: 2 }), context());
    expect(ajv.validate(datastores().outputSchema!, output.structuredContent)).toBe(true);
    expect(output.structuredContent.pagination).toEqual({ page: 2, size: 20, totalElements: 57, totalPages: 3 });
    expect(output.structuredContent.datastores).toHaveLength(17);
    expect(Object.keys(output.structuredContent.datastores[0]).sort()).toEqual([
      'config',
      'createdAt',
      'dataStoreType',
      'dataplaneId',
      'id',
      'isCredentialConfigured',
      'name',
      'tenantId',
      'updatedAt',
    ]);
  });

  it('redacts every credential in config, in structured content and text', async () => {
    const output = await datastores().handler(defaults(datastores(), { size: 100 }), context());
    expect(JSON.stringify(output)).not.toContain(FAKE_CREDENTIAL_MARKER);
    const first = output.structuredContent.datastores[0].config;
    expect(first).toMatchObject({
      url: expect.stringMatching(/^\w+:\/\/bucket-\d+\/data$/),
      region: 'eu-west-1',
      accessKeyId: '[REDACTED]',
      credentials: '[REDACTED]',
    });
    expect(first.connection).toMatchObject({
      user: 'reader',
      Password: '[REDACTED]',
      options: [{ sasToken: '[REDACTED]' }, { timeoutMs: 5000 }],
    });
  });

  it('renders a compact text page with the range and the next page', async () => {
    const output = await datastores().handler(defaults(datastores(), { size: 2, sortBy: 'id:asc' }), context());
    expect(output.text).toBe(
      [
        'XDP data stores 1–2 of 57 (page 0, pages 0–28, sorted by id:asc):',
        '- 1 store-001 · S3 · dataplane 168 · tenant t-1000 · credentials configured · updated 2025-08-01T16:00:55Z · url s3://bucket-1/data',
        '- 2 store-002 · ODP · dataplane 169 · tenant t-1001 · no credentials · updated 2025-08-02T16:01:55Z · url odp://bucket-2/data',
        'Next: page=1',
      ].join('\n'),
    );
  });

  it('says so when a page is past the end', async () => {
    const output = await datastores().handler(defaults(datastores(), { page: 9 }), context());
    expect(output.text).toBe('No XDP data stores on page 9 (57 in total, pages 0–2).');
    expect(output.structuredContent.datastores).toEqual([]);
  });

  it('lists dataplanes with the fields a model needs to pick one', async () => {
    const output = await dataplanes().handler({}, context());
    expect(ajv.validate(dataplanes().outputSchema!, output.structuredContent)).toBe(true);
    expect(output.structuredContent).toEqual({
      dataplanes: [
        {
          id: 168,
          name: 'analytics-dp',
          status: 'ACTIVE',
          type: 'KUBERNETES',
          version: '1.4.2',
          description: 'Primary analytics dataplane',
        },
        { id: 169, name: 'staging-dp', status: 'INACTIVE', type: 'KUBERNETES', version: '1.4.2', description: 'Staging' },
      ],
      totalCount: 2,
    });
    expect(output.text).toBe(
      [
        'XDP dataplanes (2):',
        '- 168 analytics-dp · ACTIVE · KUBERNETES · v1.4.2 — Primary analytics dataplane',
        '- 169 staging-dp · INACTIVE · KUBERNETES · v1.4.2 — Staging',
      ].join('\n'),
    );
  });

  it('passes the call context signal to XDP', async () => {
    xdp.enqueue({ kind: 'hang' });
    const controller = new AbortController();
    const call = dataplanes().handler({}, context(controller.signal));
    await xdp.waitFor((log) => log.some((request) => request.behaviour === 'hang'));
    controller.abort();
    await expect(call).rejects.toMatchObject({ kind: 'cancelled' });
    await xdp.waitFor((log) => log.some((request) => request.behaviour === 'hang' && request.outcome === 'aborted'));
  });
});
