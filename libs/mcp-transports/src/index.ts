export { type CallTracker, MCP_SERVER_INFO, McpServerFactory, type McpServerOptions, type TrackedCall } from './mcp-server.factory.js';
export type { McpSession } from './mcp-session.js';
export { type McpTransportsOptions, McpTransportsModule } from './mcp-transports.module.js';
export { MCP_HTTP_PATH } from './http/mcp-http.controller.js';
export { STDIO_PRINCIPAL, StdioRunner } from './stdio/stdio.runner.js';
export { MCP_SUBPROTOCOL, MCP_WS_PATH, McpGateway } from './ws/mcp.gateway.js';
export { McpWsAdapter } from './ws/mcp-ws.adapter.js';
export { type FrameObserver, WebSocketServerTransport } from './ws/websocket-server.transport.js';
