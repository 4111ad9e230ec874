import { Agent as HttpAgent, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ResponseTooLarge, sendXdpRequest, type XdpTransport, xdpTransportOf } from './xdp-http.exchange.js';
import { xdpHttpOptions } from './xdp-http.options.js';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

describe('sendXdpRequest against a local HTTP server', () => {
  let server: Server;
  let handler: Handler;
  let transport: XdpTransport;
  const agent = new HttpAgent({ keepAlive: true });

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => handler(request, Buffer.concat(chunks).toString('utf8'), response));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    transport = {
      base: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/`),
      agent,
      headers: { accessKey: 'ak' },
      maxResponseBytes: 64,
    };
  });

  afterAll(async () => {
    agent.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const send = (overrides: Partial<Parameters<typeof sendXdpRequest>[1]> = {}) =>
    sendXdpRequest(transport, { method: 'GET', path: '/datastore', headers: {}, signal: new AbortController().signal, ...overrides });

  it('sends the path under the base, the query, the headers and a JSON body, and resolves every status with the text', async () => {
    let seen: { url?: string; method?: string; accessKey?: unknown; traceparent?: unknown; type?: unknown; body?: string } = {};
    handler = (request, body, response) => {
      seen = {
        url: request.url,
        method: request.method,
        accessKey: request.headers.accesskey,
        traceparent: request.headers.traceparent,
        type: request.headers['content-type'],
        body,
      };
      response.writeHead(503, { 'Retry-After': '2' }).end('{"ok":false}');
    };
    const answer = await send({
      method: 'POST',
      params: { page: 0, sort_by: 'name:asc' },
      body: { query: 'SELECT 1' },
      headers: { traceparent: 'tp' },
    });
    expect(seen).toEqual({
      url: '/api/v1/datastore?page=0&sort_by=name%3Aasc',
      method: 'POST',
      accessKey: 'ak',
      traceparent: 'tp',
      type: 'application/json',
      body: '{"query":"SELECT 1"}',
    });
    expect(answer).toMatchObject({ status: 503, data: '{"ok":false}' });
    expect(answer.headers['retry-after']).toBe('2');
  });

  it('refuses a body over the limit, announced or streamed', async () => {
    handler = (_request, _body, response) => response.writeHead(200, { 'Content-Length': '65' }).end('x'.repeat(65));
    await expect(send()).rejects.toBeInstanceOf(ResponseTooLarge);
    handler = (_request, _body, response) => {
      response.writeHead(200);
      response.write('x'.repeat(40));
      setImmediate(() => response.end('x'.repeat(40)));
    };
    await expect(send()).rejects.toBeInstanceOf(ResponseTooLarge);
  });

  it('rejects with ECONNRESET when the connection closes mid-body', async () => {
    handler = (_request, _body, response) => {
      response.writeHead(200, { 'Content-Length': '50' });
      response.write('{"partial":');
      setImmediate(() => response.socket?.destroy());
    };
    await expect(send()).rejects.toMatchObject({ code: 'ECONNRESET' });
  });
});

describe('xdpTransportOf', () => {
  it('takes the base URL, the key headers and the agent of the XDP HTTP settings', () => {
    const options = xdpHttpOptions({
      baseUrl: 'http://xdp.example:8080/api',
      accessKey: 'ak',
      secretKey: 'sk',
      maxResponseBytes: 10,
    } as Parameters<typeof xdpHttpOptions>[0]);
    const transport = xdpTransportOf(options, 10);
    expect(transport.base.href).toBe('http://xdp.example:8080/api');
    expect(transport.headers).toEqual({ Accept: 'application/json', accessKey: 'ak', secretKey: 'sk' });
    expect(transport.agent).toBe(options.httpAgent);
    (options.httpAgent as HttpAgent).destroy();
    (options.httpsAgent as HttpAgent).destroy();
  });
});
