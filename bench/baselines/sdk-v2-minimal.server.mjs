// Baseline: a minimal server on the MCP SDK v2 (@modelcontextprotocol/server): one
// `createMcpHandler` over a factory that builds an McpServer with one trivial tool, as the SDK
// documents it, served from node:http. The SDK's Node adapter package is not at the 2.x version
// of the server package, so the few lines that turn a Node request into a web Request and write
// the Response back are here; they copy bytes and nothing else.
import { createServer } from 'node:http';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod/v4';

const handler = createMcpHandler(() => {
  const server = new McpServer({ name: 'sdk-v2-minimal', version: '1.0.0' });
  server.registerTool(
    'bench_echo',
    { description: 'Echoes its text', inputSchema: z.object({ text: z.string().describe('Text to echo') }) },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  return server;
});

const server = createServer(async (request, response) => {
  if (request.url === '/health') return void response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers))
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  const webRequest = new Request(`http://${request.headers.host}${request.url}`, {
    method: request.method,
    headers,
    ...(request.method === 'GET' || request.method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
  });
  const webResponse = await handler.fetch(webRequest);
  response.writeHead(webResponse.status, Object.fromEntries(webResponse.headers));
  if (!webResponse.body) return void response.end();
  for await (const chunk of webResponse.body) response.write(chunk);
  response.end();
});

server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
