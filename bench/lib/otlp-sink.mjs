import { createServer } from 'node:http';

/**
 * An OTLP/HTTP receiver for the tracing benchmark: accepts `POST /v1/traces` (any encoding),
 * counts requests and bytes, answers 200 at once. Runs in the bench process (core 1), so the
 * server under test pays for exporting but not for a collector's work.
 */
export async function startOtlpSink() {
  const stats = { requests: 0, bytes: 0 };
  const server = createServer((request, response) => {
    request.on('data', (chunk) => (stats.bytes += chunk.length));
    request.on('end', () => {
      stats.requests += 1;
      response.writeHead(200, { 'content-type': request.headers['content-type'] ?? 'application/x-protobuf' }).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stats,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
