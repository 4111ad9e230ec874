/**
 * Errors thrown by MCPWebSocketClient. `retriable` tells a caller whether simply trying the
 * same call again later can succeed (the connection was the problem, not the call).
 * Errors the server answers with (unknown tool, invalid arguments) stay the SDK's `McpError`.
 */
export class MCPClientError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The server could not be reached, or the connection dropped while a call was in flight.
 * A call that fails this way may or may not have run on the server.
 */
export class MCPConnectionError extends MCPClientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, true, options);
  }
}

/** The server refused the WebSocket upgrade with 401 or 403: the token is missing, wrong or lacks rights. Never retried. */
export class MCPAuthenticationError extends MCPClientError {
  constructor(
    readonly status: 401 | 403,
    url: string,
  ) {
    super(
      `${url} refused the WebSocket upgrade with HTTP ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}: check authToken`,
      false,
    );
  }
}

/** The server did not answer within requestTimeout; the client cancelled the request on the server. */
export class MCPRequestTimeoutError extends MCPClientError {
  constructor(
    readonly method: string,
    readonly timeoutMs: number,
  ) {
    super(`${method} got no answer within ${timeoutMs} ms (requestTimeout); the request was cancelled`, false);
  }
}

/** The client is not connected: connect() was never called, disconnect() was called, or reconnecting gave up. */
export class MCPClientClosedError extends MCPClientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, false, options);
  }
}
