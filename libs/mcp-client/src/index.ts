export { MCPWebSocketClient, type DisconnectInfo, type ExecuteToolOptions, type MCPClientEvents } from './mcp-websocket.client.js';
export { DEFAULT_OPTIONS, type MCPWebSocketClientOptions } from './client-options.js';
export { LEGACY_PROTOCOL_VERSION, MODERN_PROTOCOL_VERSION, type ProtocolVersionMode } from './era-negotiation.js';
export {
  MCPAuthenticationError,
  MCPClientClosedError,
  MCPClientError,
  MCPConnectionError,
  MCPRequestTimeoutError,
} from './mcp-client.errors.js';
// Errors the server answers with (unknown tool, invalid arguments) and the result types.
export { ErrorCode, McpError, type CallToolResult, type Progress, type Tool } from '@modelcontextprotocol/sdk/types.js';
