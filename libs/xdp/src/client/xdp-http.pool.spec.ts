import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip } from 'node:zlib';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfigModule, loadAppConfig } from '#config';
import { XdpModule } from '../xdp.module.js';
import { classifyTransportError } from './xdp-failure.mapper.js';
import { type XdpHttpRequest, XdpHttpPool } from './xdp-http.pool.js';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

const LIMIT = 1024;

async function listen(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function close({ server }: { server: Server }): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** Resolves with what the promise rejects with; fails the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** The XDP connection pool against real sockets: what it sends, and the size, redirect and reset rules. */
describe('XdpHttpPool', () => {
  let xdp: { server: Server; url: string };
  let elsewhere: { server: Server; url: string };
  const elsewhereRequests: string[] = [];
  let handler: Handler;
  let pool: XdpHttpPool;

  beforeAll(async () => {
    elsewhere = await listen((request, response) => {
      elsewhereRequests.push(request.url ?? '');
      response.end('{}');
    });
    xdp = await listen((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => handler(request, Buffer.concat(chunks).toString('utf8'), response));
    });
    pool = new XdpHttpPool(
      loadAppConfig({
        XDP_BASE_URL: `${xdp.url}/api/v1/`,
        XDP_ACCESS_KEY: 'ak',
        XDP_SECRET_KEY: 'sk',
        XDP_MAX_RESPONSE_BYTES: String(LIMIT),
      }),
    );
  });

  afterAll(async () => {
    await pool.onModuleDestroy();
    await Promise.all([close(xdp), close(elsewhere)]);
  });

  const send = (overrides: Partial<XdpHttpRequest> = {}) =>
    pool.send({ method: 'GET', path: '/datastore', headers: {}, signal: new AbortController().signal, ...overrides });

  it('sends the path under the base, the query, the exact key header names and a JSON body, and resolves every status with the text', async () => {
    let seen: Record<string, unknown> = {};
    handler = (request, body, response) => {
      const rawNames = request.rawHeaders.filter((_value, index) => index % 2 === 0);
      seen = {
        url: request.url,
        method: request.method,
        keys: rawNames.filter((name) => /key$/i.test(name)),
        secretKey: request.headers.secretkey,
        traceparent: request.headers.traceparent,
        type: request.headers['content-type'],
        encoding: request.headers['accept-encoding'],
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
      keys: ['accessKey', 'secretKey'],
      secretKey: 'sk',
      traceparent: 'tp',
      type: 'application/json',
      encoding: undefined,
      body: '{"query":"SELECT 1"}',
    });
    expect(answer).toMatchObject({ status: 503, data: '{"ok":false}' });
    expect(answer.headers['retry-after']).toBe('2');
  });

  it('refuses a body over XDP_MAX_RESPONSE_BYTES, announced or streamed', async () => {
    // Announced: refused on the headers alone, without waiting for a body that is never sent.
    handler = (_request, _body, response) => void response.writeHead(200, { 'Content-Length': String(LIMIT + 1) }).flushHeaders();
    expect(classifyTransportError(await rejection(send()))).toMatchObject({ tooLarge: true });
    handler = (_request, _body, response) => {
      response.writeHead(200);
      response.write('x'.repeat(LIMIT - 10));
      setImmediate(() => response.end('x'.repeat(20)));
    };
    expect(classifyTransportError(await rejection(send()))).toMatchObject({ tooLarge: true });
    handler = (_request, _body, response) => response.end('x'.repeat(LIMIT));
    await expect(send()).resolves.toMatchObject({ status: 200 });
  });

  it('never inflates a compressed answer: a gzip bomb arrives as its compressed bytes', async () => {
    let inflatedBytesSent = 0;
    handler = (_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      const gzip = createGzip();
      gzip.pipe(response);
      // 512 KB of one character compresses to about 500 bytes, within the limit.
      for (let chunk = 0; chunk < 32; chunk++) {
        inflatedBytesSent += 16 * 1024;
        gzip.write(Buffer.alloc(16 * 1024, ' '));
      }
      gzip.end();
    };
    const answer = await send();
    expect(inflatedBytesSent).toBeGreaterThan(LIMIT * 256);
    expect(Buffer.byteLength(answer.data)).toBeLessThanOrEqual(LIMIT);
  });

  it('never follows a redirect, so the key headers stay with XDP', async () => {
    handler = (_request, _body, response) => response.writeHead(302, { location: `${elsewhere.url}/query/execute` }).end();
    await expect(send({ method: 'POST', path: '/query/execute', body: {} })).resolves.toMatchObject({ status: 302 });
    expect(elsewhereRequests).toEqual([]);
  });

  it('rejects with a retryable failure when the connection closes mid-body', async () => {
    handler = (_request, _body, response) => {
      response.writeHead(200, { 'Content-Length': '50' });
      response.write('{"partial":');
      setImmediate(() => response.socket?.destroy());
    };
    expect(classifyTransportError(await rejection(send()))).toMatchObject({ retryable: true, tooLarge: false });
  });

  it('aborts a request whose signal aborts while its body is being read, and frees the connection', async () => {
    let answering!: () => void;
    const answered = new Promise<void>((resolve) => (answering = resolve));
    let closedByClient!: () => void;
    const clientClosed = new Promise<void>((resolve) => (closedByClient = resolve));
    handler = (_request, _body, response) => {
      response.writeHead(200, { 'Content-Length': '50' });
      response.write('{"partial":', () => answering());
      response.once('close', () => closedByClient());
    };
    const controller = new AbortController();
    const reading = rejection(send({ signal: controller.signal }));
    await answered;
    controller.abort();
    expect(await reading).toBeDefined();
    await clientClosed;
  });
});

describe('XdpModule', () => {
  it('builds the pool from AppConfig and destroys it when the module is destroyed', async () => {
    const config = loadAppConfig({ XDP_BASE_URL: 'http://127.0.0.1:1/api', XDP_ACCESS_KEY: 'ak', XDP_SECRET_KEY: 'sk' });
    @Module({ imports: [AppConfigModule.forConfig(config), XdpModule] })
    class HostModule {}
    const app = await NestFactory.createApplicationContext(HostModule, { logger: false });
    const pool = app.get(XdpHttpPool);
    await app.close();
    const error = await rejection(pool.send({ method: 'GET', path: '/dataplane', headers: {}, signal: new AbortController().signal }));
    expect(error).toMatchObject({ code: 'UND_ERR_DESTROYED' });
  });
});
