import { FakeTrinoServer } from './fakes/fake-trino.server.js';
import { FakeXdpServer } from './fakes/fake-xdp.server.js';
import { getJson, postJson, startTestServer, type TestServer } from './support/app-harness.js';

/**
 * An unknown catalog, schema, table or column in a query on Trino (direct or behind XDP) comes back
 * with the nearest existing names, looked up with one bounded information_schema query on the same
 * engine; a failed lookup leaves the original error as it was.
 */
const notFound = (errorName: string, message: string) => ({ message, errorName, errorType: 'USER_ERROR', errorCode: 46 });

/** trino_list_tables on the misspelt schema `salse` is a 404 naming `sales`, whichever engine answers. */
async function expectNearestSchemaNamed(server: TestServer): Promise<void> {
  const { status, body } = await getJson(`${server.url}/api/trino/tables?catalog=memory&schema=salse`);
  expect(status).toBe(404);
  expect(body.error).toMatchObject({
    code: 'not_found',
    message: expect.stringMatching(/^Schema "salse" does not exist in catalog "memory"; nearest existing: "sales"/),
  });
}

describe('nearest names after a *_NOT_FOUND (e2e)', () => {
  describe('direct Trino', () => {
    let fake: FakeTrinoServer;
    let server: TestServer;
    beforeAll(async () => {
      fake = await FakeTrinoServer.start();
      server = await startTestServer({
        env: { TRINO_URL: fake.url, TRINO_USER: 'mcp', TRINO_CATALOG: 'memory', TRINO_SCHEMA: 'sales' },
        imports: [],
      });
    });
    afterAll(async () => {
      await server.close();
      await fake.close();
    });
    beforeEach(() => fake.reset());

    const query = (sql: string) => postJson(`${server.url}/api/trino/query`, { query: sql, schema: 'sales' });

    it('an unknown table names the nearest tables of its schema, read from information_schema', async () => {
      fake.script({
        match: /ordres/,
        behaviour: { kind: 'fail', error: notFound('TABLE_NOT_FOUND', "line 1:15: Table 'memory.sales.ordres' does not exist") },
      });
      const { status, body } = await query('SELECT * FROM ordres');
      expect(status).toBe(404);
      expect(body.error).toMatchObject({
        code: 'not_found',
        message: expect.stringMatching(/Table 'memory\.sales\.ordres' does not exist.*; nearest existing table names: "orders"/),
      });
      expect(fake.statementRequests().at(-1)?.body).toBe(
        `SELECT table_name FROM "memory"."information_schema"."tables" WHERE table_schema = 'sales' LIMIT 1000`,
      );
    });

    it('an unknown column names the nearest columns of the tables the statement reads', async () => {
      fake.script({
        match: /statsu/,
        behaviour: { kind: 'fail', error: notFound('COLUMN_NOT_FOUND', "line 1:8: Column 'statsu' cannot be resolved") },
      });
      const { status, body } = await query('SELECT statsu FROM orders');
      expect(status).toBe(404);
      expect(body.error.message).toMatch(/Column 'statsu' cannot be resolved.*; nearest existing column names: "status"/);
    });

    it('an unknown schema names the nearest schemas of the catalog', async () => {
      fake.script({
        match: /salse/,
        behaviour: { kind: 'fail', error: notFound('SCHEMA_NOT_FOUND', "line 1:15: Schema 'salse' does not exist") },
      });
      const { body } = await query('SELECT * FROM salse.orders');
      expect(body.error.message).toMatch(/Schema 'salse' does not exist.*; nearest existing schema names: "sales"/);
    });

    it('trino_list_tables on an unknown schema names the nearest schemas, not 0 rows', async () => {
      await expectNearestSchemaNamed(server);
    });

    it('trino_describe_table on an unknown table names the nearest tables of its schema', async () => {
      // What Trino answers SHOW COLUMNS FROM a missing table with.
      fake.script({
        match: /^SHOW COLUMNS FROM .*ordres/,
        behaviour: { kind: 'fail', error: notFound('TABLE_NOT_FOUND', "line 1:1: Table 'memory.sales.ordres' does not exist") },
      });
      const { status, body } = await getJson(`${server.url}/api/trino/columns?catalog=memory&schema=sales&table=ordres`);
      expect(status).toBe(404);
      expect(body.error.message).toMatch(/Table 'memory\.sales\.ordres' does not exist.*; nearest existing table names: "orders"/);
    });

    it('a failed lookup leaves the original error unchanged', async () => {
      const original = "line 1:15: Table 'memory.sales.ordres' does not exist";
      fake.script({ match: /ordres/, behaviour: { kind: 'fail', error: notFound('TABLE_NOT_FOUND', original) } });
      fake.script({
        match: /information_schema/,
        behaviour: { kind: 'fail', error: { message: 'Metastore down', errorName: 'GENERIC_INTERNAL_ERROR', errorType: 'INTERNAL_ERROR' } },
      });
      const { status, body } = await query('SELECT * FROM ordres');
      expect(status).toBe(404);
      expect(body.error).toMatchObject({ code: 'not_found', message: `Trino query failed: TABLE_NOT_FOUND: ${original} (line 1:1)` });
    });
  });

  describe('direct Trino with TRINO_ALLOWED_CATALOGS', () => {
    let fake: FakeTrinoServer;
    let server: TestServer;
    beforeAll(async () => {
      fake = await FakeTrinoServer.start();
      server = await startTestServer({
        env: { TRINO_URL: fake.url, TRINO_USER: 'mcp', TRINO_ALLOWED_CATALOGS: 'memory,memroy' },
        imports: [],
      });
    });
    afterAll(async () => {
      await server.close();
      await fake.close();
    });

    it('an unknown catalog names only catalogs the allow-list admits, though Trino lists more', async () => {
      fake.script({
        match: /memroy/,
        behaviour: { kind: 'fail', error: notFound('CATALOG_NOT_FOUND', "line 1:15: Catalog 'memroy' not found") },
      });
      fake.script({
        match: /^SHOW CATALOGS$/,
        behaviour: { kind: 'rows', columns: [{ name: 'Catalog', type: 'varchar' }], rows: [['memory'], ['memory_hr'], ['system']] },
      });
      const { status, body } = await postJson(`${server.url}/api/trino/query`, { query: 'SELECT * FROM memroy.sales.orders' });
      expect(status).toBe(404);
      expect(body.error.message).toMatch(/Catalog 'memroy' not found.*; nearest existing catalog names: "memory"$/);
      // The lookup asked Trino, which named catalogs ("memory_hr", "system") the caller may not see.
      expect(fake.statementRequests().at(-1)?.body).toBe('SHOW CATALOGS');
    });
  });

  describe('embedded DuckDB (local)', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ imports: [] });
    }, 60_000);
    afterAll(() => server.close());

    it('trino_list_tables on an unknown schema names the nearest schemas, not 0 rows', async () => {
      await expectNearestSchemaNamed(server);
    });

    it('trino_describe_table on an unknown table names the nearest table (DuckDB\'s own "Did you mean")', async () => {
      const { status, body } = await getJson(`${server.url}/api/trino/columns?catalog=memory&schema=sales&table=ordres`);
      expect(status).toBe(404);
      expect(body.error.message).toMatch(/Table with name ordres does not exist!\s+Did you mean "orders"/);
    });

    it('an existing schema without a match lists its tables as before', async () => {
      const { status, body } = await getJson(`${server.url}/api/trino/tables?catalog=memory&schema=sales`);
      expect(status).toBe(200);
      expect(body.structuredContent.rows).toContainEqual(['sales', 'orders', 'BASE TABLE']);
    });
  });

  describe('Trino behind XDP', () => {
    let xdp: FakeXdpServer;
    let server: TestServer;
    const lookups: string[] = [];
    beforeAll(async () => {
      xdp = await FakeXdpServer.start({
        onQuery: ({ query }) => {
          if (query.includes('information_schema')) {
            lookups.push(query);
            return { columns: [{ name: 'table_name', type: 'varchar' }], rows: [['orders'], ['customers'], ['order_items']] };
          }
          return { error: notFound('TABLE_NOT_FOUND', "line 1:15: Table 'hive.sales.ordres' does not exist"), where: 'result' };
        },
      });
      server = await startTestServer({ env: { ...xdp.env() }, imports: [] });
    });
    afterAll(async () => {
      await server.close();
      await xdp.close();
    });

    it('an unknown table names the nearest tables, looked up through XDP on the same dataplane', async () => {
      const { status, body } = await postJson(`${server.url}/api/trino/query`, {
        dataplane: '168',
        query: 'SELECT * FROM hive.sales.ordres',
      });
      expect(status).toBe(404);
      expect(body.error.message).toMatch(
        /Table 'hive\.sales\.ordres' does not exist.*; nearest existing table names: "orders", "order_items", "customers"/,
      );
      expect(lookups).toEqual([`SELECT table_name FROM "hive"."information_schema"."tables" WHERE table_schema = 'sales' LIMIT 1000`]);
    });
  });
});
