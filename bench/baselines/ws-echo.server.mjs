// Baseline: a bare `ws` JSON-RPC server with the same framing as /ws (one JSON-RPC message
// per text frame, parsed and serialized), answering every request with a CallToolResult
// that echoes the call's `text` argument. No protocol engine, validation, metrics or logs.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const server = createServer((request, response) => {
  response.writeHead(request.url === '/health' ? 200 : 404, { 'content-type': 'application/json' }).end('{"status":"ok"}');
});
const sockets = new WebSocketServer({ server, path: '/ws', handleProtocols: (protocols) => (protocols.has('mcp') ? 'mcp' : false) });

sockets.on('connection', (socket) => {
  socket.on('message', (data) => {
    let message;
    try {
      message = JSON.parse(data.toString());
    } catch {
      socket.send(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }));
      return;
    }
    if (message.id === undefined) return;
    const text = message.params?.arguments?.text ?? 'ok';
    socket.send(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text }] } }));
  });
});

server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
