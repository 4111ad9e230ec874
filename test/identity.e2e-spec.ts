import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { DuckDbEngine, SqlGuard } from '#trino';
import { FakeTrinoServer, type RecordedRequest } from './fakes/fake-trino.server.js';
import { FakeXdpServer } from './fakes/fake-xdp.server.js';
import { getJson, postJson, startTestServer, type TestServer } from './support/app-harness.js';
import { duckDbQueryAnswer } from './support/duckdb-answers.js';
import { AUDIENCE, hsToken, ISSUER, JWT_SECRET } from './support/security-fixtures.js';

const JWT_ENV = { AUTH_JWT_SECRET: JWT_SECRET, AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE };
const SERVICE = { user: 'svc-mcp', password: 'service-password-0001' };
const NAMED_TOKEN = 'named-static-token-0001';
const UNNAMED_TOKEN = 'unnamed-static-token-0002';
const ORDERS = 'SELECT count(*) AS n FROM memory.sales.orders';
const CATALOGS = {
  match: /^SHOW CATALOGS$/,
  behaviour: { kind: 'rows' as const, columns: [{ name: 'Catalog', type: 'varchar' }], rows: [['hr'], ['memory'], ['system']] },
};

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Every request of the statements the fake received (POST, GETs, cancels), by the SQL's position. */
function requestsOf(fake: FakeTrinoServer): RecordedRequest[] {
  return fake.requests.filter((request) => request.path.startsWith('/v1/statement'));
}

describe('Governed identity: impersonation, passthrough, catalog scopes, audit (e2e)', () => {
  const duckdb = new DuckDbEngine({});
  const parser = new SqlGuard({ readOnly: false, allowedCatalogs: [] });
  const secrets: string[] = [SERVICE.password, NAMED_TOKEN, UNNAMED_TOKEN, JWT_SECRET];

  const answer = duckDbQueryAnswer(duckdb, parser);

  async function token(subject: string, scope: string): Promise<string> {
    const jwt = await hsToken({ subject, scope });
    secrets.push(jwt);
    return jwt;
  }

  beforeAll(() => parser.warmUp());

  afterAll(async () => {
    await duckdb.close();
    await parser.close();
  });

  describe('impersonation on a direct Trino, and the XDP-proxied engine', () => {
    let trino: FakeTrinoServer;
    let xdp: FakeXdpServer;
    let server: TestServer;

    beforeAll(async () => {
      trino = await FakeTrinoServer.start({ auth: { basic: SERVICE } });
      xdp = await FakeXdpServer.start({ onQuery: answer });
      server = await startTestServer({
        env: {
          ...JWT_ENV,
          ...xdp.env(),
          TRINO_URL: trino.url,
          TRINO_USER: SERVICE.user,
          TRINO_PASSWORD: SERVICE.password,
          TRINO_IMPERSONATION: 'true',
          AUTH_CATALOG_SCOPES: 'memory=sql:memory, hr=sql:hr',
          MCP_AUTH_TOKEN: `etl.bot=${NAMED_TOKEN}, ${UNNAMED_TOKEN}`,
        },
        imports: [],
      });
    });

    afterEach(() => {
      trino.reset();
      xdp.reset();
    });

    afterAll(async () => {
      await server.close();
      await trino.close();
      await xdp.close();
    });

    it("runs two JWT users' statements as themselves, authenticated by the service login", async () => {
      for (const user of ['alice', 'bob@example.com']) {
        trino.reset();
        const { status, body } = await postJson(
          `${server.url}/api/trino/query`,
          { dataplane: 'trino', query: ORDERS },
          bearer(await token(user, 'sql:memory')),
        );
        expect(status).toBe(200);
        expect(body.structuredContent.rows).toEqual([[5000]]);
        const requests = requestsOf(trino);
        expect(requests.length).toBeGreaterThan(1);
        // The POST and every GET of the query carry the caller's user and the unchanged service login.
        for (const request of requests)
          expect(request.headers).toMatchObject({ 'x-trino-user': user, authorization: basic(SERVICE.user, SERVICE.password) });
        expect(trino.statementRequests()[0].headers).toMatchObject({
          'x-trino-source': 'xdp-mcp-server',
          'x-trino-client-tags': 'tool:trino_execute_query,transport:rest',
          'x-trino-client-info': `trino_execute_query via rest for ${user}`,
        });
      }
    });

    it('tells Trino the MCP transport and caller of a call over /mcp', async () => {
      const client = new Client({ name: 'identity-e2e', version: '1.0.0' });
      const requestInit = { headers: bearer(await token('erin', 'sql:memory')) };
      await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit }));
      try {
        const result = await client.callTool({ name: 'trino_execute_query', arguments: { dataplane: 'trino', query: ORDERS } });
        expect(result.isError).toBeFalsy();
      } finally {
        await client.close();
      }
      expect(trino.statementRequests()[0].headers).toMatchObject({
        'x-trino-user': 'erin',
        'x-trino-client-tags': 'tool:trino_execute_query,transport:mcp-http',
        'x-trino-client-info': 'trino_execute_query via mcp-http for erin',
      });
    });

    it('runs a named static token as its name and an unnamed one as the service user', async () => {
      await getJson(`${server.url}/api/trino/catalogs?dataplane=trino`, bearer(NAMED_TOKEN));
      expect(trino.statementRequests().at(-1)?.headers['x-trino-user']).toBe('etl.bot');
      expect(trino.statementRequests().at(-1)?.headers['x-trino-client-tags']).toBe('tool:trino_list_catalogs,transport:rest');
      await getJson(`${server.url}/api/trino/catalogs?dataplane=trino`, bearer(UNNAMED_TOKEN));
      expect(trino.statementRequests().at(-1)?.headers['x-trino-user']).toBe(SERVICE.user);
    });

    it('refuses, with 403, a token whose user claim is not a safe user name', async () => {
      const { status, body } = await postJson(
        `${server.url}/api/trino/query`,
        { dataplane: 'trino', query: ORDERS },
        bearer(await token('ann, admin', 'sql:memory')),
      );
      expect(status).toBe(403);
      expect(body.error.message).toContain('token has a "sub" claim that is not a valid user name');
      expect(trino.requests).toHaveLength(0);
    });

    it.each([
      ['trino', 'SELECT count(*) FROM memory.sales.orders'],
      ['trino', 'WITH o AS (SELECT * FROM memory.sales.orders) SELECT count(*) FROM o'],
      ['trino', 'SELECT table_name FROM memory.information_schema.tables'],
      ['trino', 'SHOW SCHEMAS FROM memory'],
      ['168', 'SELECT count(*) FROM memory.sales.orders'],
    ])(
      'refuses on dataplane %s a statement touching a catalog outside the scopes, before any engine is asked: %s',
      async (dataplane, query) => {
        const { status, body } = await postJson(
          `${server.url}/api/trino/query`,
          { dataplane, query },
          bearer(await token('bob', 'sql:hr')),
        );
        expect(status).toBe(403);
        expect(body.error.message).toBe('Catalog "memory" requires scope "sql:memory", which the caller\'s token does not grant');
        expect(trino.requests).toHaveLength(0);
        expect(xdp.requests('/query/execute')).toHaveLength(0);
      },
    );

    it('refuses a catalog named by a metadata tool argument the same way', async () => {
      const { status, body } = await getJson(
        `${server.url}/api/trino/schemas?dataplane=trino&catalog=memory`,
        bearer(await token('bob', 'sql:hr')),
      );
      expect(status).toBe(403);
      expect(body.error.message).toContain('Catalog "memory" requires scope "sql:memory"');
      expect(trino.requests).toHaveLength(0);
    });

    it('lists only the catalogs the caller may use (tool and SHOW CATALOGS)', async () => {
      trino.script(CATALOGS);
      const alice = await token('alice', 'sql:memory');
      const listed = await getJson(`${server.url}/api/trino/catalogs?dataplane=trino`, bearer(alice));
      expect(listed.body.structuredContent.rows).toEqual([['memory']]);
      const shown = await postJson(`${server.url}/api/trino/query`, { dataplane: 'trino', query: 'SHOW CATALOGS' }, bearer(alice));
      expect(shown.body.structuredContent.rows).toEqual([['memory']]);
      const both = await getJson(`${server.url}/api/trino/catalogs?dataplane=trino`, bearer(await token('carol', 'sql:memory sql:hr')));
      expect(both.body.structuredContent.rows).toEqual([['hr'], ['memory']]);
    });

    it('runs an allowed statement on XDP without forwarding the caller or its token', async () => {
      const alice = await token('alice', 'sql:memory');
      const { status, body } = await postJson(`${server.url}/api/trino/query`, { dataplane: '168', query: ORDERS }, bearer(alice));
      expect(status).toBe(200);
      expect(body.structuredContent.rows).toEqual([[5000]]);
      const request = xdp.requests('/query/execute')[0];
      expect(JSON.stringify(request)).not.toContain(alice);
    });

    it('audits the caller, the upstream user, the dataplane and the query id', async () => {
      const { body } = await postJson(
        `${server.url}/api/trino/query`,
        { dataplane: 'trino', query: ORDERS },
        bearer(await token('dave', 'sql:memory')),
      );
      const queryId = body.structuredContent.queryId as string;
      expect(queryId).toMatch(/_fake$/);
      const line = server
        .logs()
        .split('\n')
        .find((entry) => entry.includes('"msg":"tool call"') && entry.includes(queryId));
      expect(JSON.parse(line!)).toMatchObject({
        principal: 'dave',
        user: 'dave',
        upstreamUser: 'dave',
        dataplane: 'trino',
        queryId,
        tool: 'trino_execute_query',
        outcome: 'success',
      });
      await postJson(`${server.url}/api/trino/query`, { dataplane: '168', query: ORDERS }, bearer(await token('mallory', 'sql:hr')));
      const refused = server
        .logs()
        .split('\n')
        .find((entry) => entry.includes('"msg":"tool call"') && entry.includes('"principal":"mallory"'));
      expect(JSON.parse(refused!)).toMatchObject({ dataplane: '168', outcome: 'forbidden' });
    });

    it('leaves no token or password in any log line', () => {
      const logs = server.logs();
      for (const secret of secrets) expect(logs).not.toContain(secret);
    });
  });

  describe('token passthrough (TRINO_AUTH=passthrough)', () => {
    let trino: FakeTrinoServer;
    let server: TestServer;

    beforeAll(async () => {
      trino = await FakeTrinoServer.start();
      server = await startTestServer({
        env: {
          ...JWT_ENV,
          TRINO_URL: trino.url,
          TRINO_USER: SERVICE.user,
          TRINO_PASSWORD: SERVICE.password,
          TRINO_AUTH: 'passthrough',
          MCP_AUTH_TOKEN: UNNAMED_TOKEN,
        },
        imports: [],
      });
    });

    afterEach(() => trino.reset());

    afterAll(async () => {
      await server.close();
      await trino.close();
    });

    it("sends the caller's own JWT instead of the service login", async () => {
      const alice = await token('alice', 'sql:read');
      const { status } = await postJson(`${server.url}/api/trino/query`, { query: ORDERS }, bearer(alice));
      expect(status).toBe(200);
      for (const request of requestsOf(trino)) {
        expect(request.headers.authorization).toBe(`Bearer ${alice}`);
        // Without impersonation Trino takes the user from the token.
        expect(request.headers['x-trino-user']).toBeUndefined();
      }
    });

    it('refuses a caller without a JWT to pass through', async () => {
      const { status, body } = await postJson(`${server.url}/api/trino/query`, { query: ORDERS }, bearer(UNNAMED_TOKEN));
      expect(status).toBe(403);
      expect(body.error.message).toContain("TRINO_AUTH=passthrough queries Trino with the caller's own JWT");
      expect(trino.requests).toHaveLength(0);
    });

    it('never echoes the passed-through token in an error or a log line', async () => {
      const alice = await token('alice', 'sql:read');
      trino.script({
        match: /echo/,
        behaviour: {
          kind: 'fail',
          error: { message: `token ${alice} is not trusted`, errorName: 'PERMISSION_DENIED', errorType: 'USER_ERROR' },
        },
      });
      const { body } = await postJson(`${server.url}/api/trino/query`, { query: 'SELECT 1 AS echo' }, bearer(alice));
      expect(body.isError).toBe(true);
      expect(body.error.message).toContain('token [REDACTED] is not trusted');
      expect(JSON.stringify(body)).not.toContain(alice);
      const logs = server.logs();
      for (const secret of secrets) expect(logs).not.toContain(secret);
    });
  });

  describe('catalog scopes on the embedded DuckDB engine', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer({ env: { ...JWT_ENV, AUTH_CATALOG_SCOPES: 'memory=sql:memory' }, imports: [] });
    });

    afterAll(() => server.close());

    it('refuses the session catalog and qualified names alike, and hides the catalog from listings', async () => {
      const outsider = await token('eve', 'sql:other');
      for (const query of ['SELECT count(*) FROM orders', ORDERS, 'SHOW TABLES']) {
        const { status, body } = await postJson(`${server.url}/api/trino/query`, { query }, bearer(outsider));
        expect(status).toBe(403);
        expect(body.error.message).toBe('Catalog "memory" requires scope "sql:memory", which the caller\'s token does not grant');
      }
      expect((await getJson(`${server.url}/api/trino/catalogs`, bearer(outsider))).body.structuredContent.rows).toEqual([]);
      const insider = await token('ann', 'sql:memory');
      expect((await postJson(`${server.url}/api/trino/query`, { query: ORDERS }, bearer(insider))).body.structuredContent.rows).toEqual([
        [5000],
      ]);
      expect((await getJson(`${server.url}/api/trino/catalogs`, bearer(insider))).body.structuredContent.rows).toEqual([['memory']]);
    });
  });
});
