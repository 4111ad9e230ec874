import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip } from 'node:zlib';
import axios, { type AxiosInstance } from 'axios';
import { loadAppConfig } from '#config';
import { xdpHttpOptions } from './xdp-http.options.js';

const LIMIT = 1024 * 1024;

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** The answer size and redirect rules of the XDP axios instance, against real sockets. */
describe('xdpHttpOptions', () => {
  let xdp: { server: Server; url: string };
  let elsewhere: { server: Server; url: string };
  const elsewhereRequests: IncomingMessage[] = [];
  let inflatedBytesSent = 0;
  let client: AxiosInstance;

  beforeAll(async () => {
    elsewhere = await listen((request, response) => {
      elsewhereRequests.push(request);
      response.end('{}');
    });
    xdp = await listen((request, response) => {
      if (request.url?.endsWith('/moved')) {
        response.writeHead(302, { location: `${elsewhere.url}/query/execute` });
        return void response.end();
      }
      // A gzip bomb: 64 MB of one character, a few tens of KB on the wire, written as it is read.
      response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      const gzip = createGzip({ level: 9 });
      gzip.pipe(response);
      const chunk = Buffer.alloc(64 * 1024, ' ');
      let closed = false;
      response.once('close', () => (closed = true));
      const pump = () => {
        while (!closed && inflatedBytesSent < 64 * 1024 * 1024) {
          inflatedBytesSent += chunk.length;
          if (!gzip.write(chunk)) return void gzip.once('drain', pump);
        }
        if (!closed) gzip.end('{}');
      };
      pump();
    });
    const config = loadAppConfig({
      XDP_BASE_URL: xdp.url,
      XDP_ACCESS_KEY: 'ak',
      XDP_SECRET_KEY: 'sk',
      XDP_MAX_RESPONSE_BYTES: String(LIMIT),
    });
    client = axios.create(xdpHttpOptions(config.xdp));
  });

  afterAll(async () => {
    for (const { server } of [xdp, elsewhere]) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('bounds the inflated size of a gzip answer to POST /query/execute by XDP_MAX_RESPONSE_BYTES', async () => {
    await expect(client.post('/query/execute', { engine: 'TRINO', dataplane: '1', query: 'SELECT 1' })).rejects.toThrow(
      `maxContentLength size of ${LIMIT} exceeded`,
    );
    expect(inflatedBytesSent).toBeLessThan(64 * 1024 * 1024);
  });

  it('never follows a redirect, so the key headers stay with XDP', async () => {
    const response = await client.post('/moved', {});
    expect(response.status).toBe(302);
    expect(elsewhereRequests).toEqual([]);
  });
});
