import { request } from 'node:http';
import { FakeXdpServer } from './fake-xdp.server.js';

/** A GET with header names sent exactly as given (Node keeps their case on the wire). */
function get(url: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('FakeXdpServer (the contract other tests rely on)', () => {
  let xdp: FakeXdpServer;
  let keys: Record<string, string>;

  beforeAll(async () => {
    xdp = await FakeXdpServer.start({ datastoreCount: 5 });
    keys = { accessKey: xdp.accessKey, secretKey: xdp.secretKey };
  });

  afterAll(() => xdp.close());

  it('accepts only the exact header names accessKey and secretKey', async () => {
    expect((await get(`${xdp.url}/dataplane`, keys)).status).toBe(200);
    const wrongCase = await get(`${xdp.url}/dataplane`, { AccessKey: xdp.accessKey, SecretKey: xdp.secretKey });
    expect(wrongCase).toEqual({ status: 401, body: expect.objectContaining({ success: false, message: 'Unauthorized' }) });
    expect((await get(`${xdp.url}/dataplane`, { accessKey: xdp.accessKey })).status).toBe(401);
  });

  it('pages data stores with data.meta and answers dataplanes bare', async () => {
    const page = await get(`${xdp.url}/datastore?page=1&size=2&sort_by=id:desc`, keys);
    expect(page.body).toMatchObject({ success: true, errorCode: 0, data: { meta: { page: 1, size: 2, count: 5 } } });
    expect(page.body.data.dataStores.map((store: { id: number }) => store.id)).toEqual([3, 2]);
    const dataplanes = await get(`${xdp.url}/dataplane`, keys);
    expect(Object.keys(dataplanes.body).sort()).toEqual(['dataplanes', 'meta']);
  });

  it('rejects an unknown sort field with a 400 failure envelope', async () => {
    const { status, body } = await get(`${xdp.url}/datastore?sort_by=colour:asc`, keys);
    expect(status).toBe(400);
    expect(body).toMatchObject({ success: false, errorCode: 1002 });
  });

  it('serves only under the API root', async () => {
    expect((await get(`${xdp.origin}/dataplane`, keys)).status).toBe(404);
  });

  it('applies queued behaviours in order, per endpoint, then answers normally', async () => {
    xdp.reset();
    xdp.enqueue({ kind: 'status', status: 503 }, { times: 2, endpoint: '/datastore' });
    expect((await get(`${xdp.url}/dataplane`, keys)).status).toBe(200);
    expect((await get(`${xdp.url}/datastore`, keys)).status).toBe(503);
    expect((await get(`${xdp.url}/datastore`, keys)).status).toBe(503);
    expect((await get(`${xdp.url}/datastore`, keys)).status).toBe(200);
    expect(xdp.requests('/datastore').map((entry) => entry.behaviour)).toEqual(['status', 'status', 'normal']);
  });
});
