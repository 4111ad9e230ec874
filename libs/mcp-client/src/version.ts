/** Sent as clientInfo in initialize; keep in step with package.json (a unit spec checks it). */
export const CLIENT_NAME = '@xdp/mcp-websocket-client';
export const CLIENT_VERSION = '0.1.0';
