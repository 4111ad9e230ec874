// Baseline: the MCP SDK's stateless Streamable HTTP example, as its documentation shows it
// (examples/server/simpleStatelessStreamableHttp): a new McpServer and transport per POST,
// with one trivial tool registered on each new server. Console output removed.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import * as z from 'zod/v4';

const getServer = () => {
  const server = new McpServer({ name: 'stateless-streamable-http-server', version: '1.0.0' }, { capabilities: { logging: {} } });
  server.registerTool(
    'bench_echo',
    { description: 'Echoes its text', inputSchema: { text: z.string().describe('Text to echo') } },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  return server;
};

const app = createMcpExpressApp();
app.get('/health', (_request, response) => response.json({ status: 'ok' }));
app.post('/mcp', async (request, response) => {
  const server = getServer();
  try {
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    await server.connect(transport);
    await transport.handleRequest(request, response, request.body);
    response.on('close', () => {
      transport.close();
      server.close();
    });
  } catch {
    if (!response.headersSent) {
      response.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
    }
  }
});

app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
