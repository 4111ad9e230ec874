import { PROTOCOL_VERSION_MODES, type ProtocolVersionMode } from './era-negotiation.js';
import { isNodeRuntime } from './runtime.js';

export interface MCPWebSocketClientOptions {
  /** `ws://` or `wss://` URL of the server's WebSocket endpoint, e.g. `ws://xdp-mcp-server.mcp-server.svc.cluster.local:8080/ws`. */
  url: string;
  /** Bearer token: sent as `Authorization: Bearer <token>` in Node, as the `access_token` query parameter in browsers. */
  authToken?: string;
  /** Upper bound of the first reconnect delay in ms; later delays double (with jitter). Default 5000. */
  reconnectInterval?: number;
  /** Reconnect attempts after a lost connection (or a failed first connect) before giving up. Default 10; 0 disables reconnecting. */
  maxReconnectAttempts?: number;
  /** Cap on any reconnect delay in ms. Default 30000. */
  maxReconnectInterval?: number;
  /** Longest wait in ms for any answer from the server (initialize, tools/list page, tools/call). Default 60000. */
  requestTimeout?: number;
  /** Extra HTTP headers for the WebSocket upgrade (Node only: browsers cannot set them). */
  headers?: Record<string, string>;
  /**
   * Protocol era. `auto` (default) asks for 2026-07-28 with `server/discover` and falls back to
   * 2025-11-25 (`initialize`) when the server does not offer it; `'2026-07-28'` or `'2025-11-25'` pins
   * that era (a server not offering a pinned 2026-07-28 is refused, not retried).
   */
  protocolVersion?: ProtocolVersionMode;
}

export interface ResolvedClientOptions {
  url: string;
  authToken: string | undefined;
  reconnectInterval: number;
  maxReconnectAttempts: number;
  maxReconnectInterval: number;
  requestTimeout: number;
  headers: Record<string, string>;
  protocolVersion: ProtocolVersionMode;
}

export const DEFAULT_OPTIONS = {
  reconnectInterval: 5000,
  maxReconnectAttempts: 10,
  maxReconnectInterval: 30000,
  requestTimeout: 60000,
} as const;

/** Applies defaults and rejects bad options up front, naming the option, so no mistake surfaces later as a connection failure. */
export function resolveClientOptions(options: MCPWebSocketClientOptions): ResolvedClientOptions {
  const reconnectInterval = positiveInteger('reconnectInterval', options.reconnectInterval ?? DEFAULT_OPTIONS.reconnectInterval);
  const headers = options.headers ?? {};
  if (!isNodeRuntime() && Object.keys(headers).length > 0) {
    throw new TypeError('headers cannot be sent from a browser: the browser WebSocket API does not allow custom headers');
  }
  return {
    url: webSocketUrl(options.url),
    authToken: options.authToken || undefined,
    reconnectInterval,
    maxReconnectAttempts: nonNegativeInteger('maxReconnectAttempts', options.maxReconnectAttempts ?? DEFAULT_OPTIONS.maxReconnectAttempts),
    // A cap below the first delay would make reconnectInterval meaningless, so the cap is at least that.
    maxReconnectInterval: Math.max(
      reconnectInterval,
      positiveInteger('maxReconnectInterval', options.maxReconnectInterval ?? DEFAULT_OPTIONS.maxReconnectInterval),
    ),
    requestTimeout: positiveInteger('requestTimeout', options.requestTimeout ?? DEFAULT_OPTIONS.requestTimeout),
    headers,
    protocolVersion: protocolVersionMode(options.protocolVersion ?? 'auto'),
  };
}

function protocolVersionMode(value: string): ProtocolVersionMode {
  const mode = PROTOCOL_VERSION_MODES.find((candidate) => candidate === value);
  if (mode === undefined) throw new TypeError(`protocolVersion must be one of ${PROTOCOL_VERSION_MODES.join(', ')}, got ${value}`);
  return mode;
}

function webSocketUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The value is not echoed: it may carry a token.
    throw new TypeError(`url must be an absolute ws:// or wss:// URL, got ${url ? 'a value that is not a URL' : 'an empty value'}`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new TypeError(`url must use the ws: or wss: scheme, got ${parsed.protocol}`);
  }
  return parsed.toString();
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer (ms), got ${value}`);
  return value;
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new TypeError(`${name} must be an integer >= 0, got ${value}`);
  return value;
}
