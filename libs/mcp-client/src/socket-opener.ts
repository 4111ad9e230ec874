import type { RawData, WebSocket as NodeWebSocket } from 'ws';
import { MCPAuthenticationError, MCPClientError, MCPConnectionError } from './mcp-client.errors.js';
import { isNodeRuntime } from './runtime.js';
import { redactUrl, withAccessToken } from './websocket-url.js';

/** Offered on every upgrade; the server echoes it (the official SDK's WebSocket transport offers the same). */
export const MCP_SUBPROTOCOL = 'mcp';

export interface SocketTarget {
  url: string;
  authToken: string | undefined;
  headers: Record<string, string>;
  /** A handshake not completed by then counts as a failed attempt. */
  connectTimeoutMs: number;
}

/** Callbacks for an open socket; installed before the handshake so no early frame is lost. */
export interface SocketEvents {
  message(text: string): void;
  close(code: number, reason: string): void;
  error(error: Error): void;
}

export interface OpenSocket {
  /** Resolves once the frame is handed to the network; rejects with MCPConnectionError if the socket is not open. */
  send(text: string): Promise<void>;
  close(code: number, reason: string): void;
}

/** Resolves when the WebSocket is open; rejects with MCPAuthenticationError (401/403) or MCPConnectionError otherwise. */
export type SocketOpener = (target: SocketTarget, events: SocketEvents) => Promise<OpenSocket>;

/** The subset of the WHATWG WebSocket API the browser path uses. */
export interface StandardWebSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}
export type StandardWebSocketConstructor = new (url: string, protocols: string[]) => StandardWebSocket;

const OPEN = 1;

/** Node: `ws` with the Authorization header. Browsers: the global WebSocket with the token in the query. */
export const openRuntimeSocket: SocketOpener = (target, events) =>
  isNodeRuntime() ? openNodeSocket(target, events) : openStandardSocket(globalWebSocket(), target, events);

async function openNodeSocket(target: SocketTarget, events: SocketEvents): Promise<OpenSocket> {
  // Loaded lazily so browser bundles never execute `ws`.
  const { WebSocket } = await import('ws');
  const where = redactUrl(target.url);
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(target.url, [MCP_SUBPROTOCOL], {
      headers: upgradeHeaders(target),
      handshakeTimeout: target.connectTimeoutMs,
    });
    let opened = false;
    let refusal: MCPClientError | undefined;
    // Without this listener `ws` reports only "Unexpected server response"; with it the status decides retry or not.
    socket.on('unexpected-response', (_request, response) => {
      refusal = upgradeRefusal(response.statusCode ?? 0, where);
      response.resume();
      socket.terminate();
    });
    socket.on('open', () => {
      opened = true;
      resolve({ send: (text) => sendOnNodeSocket(socket, text), close: (code, reason) => socket.close(code, reason) });
    });
    socket.on('error', (error) => {
      if (opened) events.error(error);
      else reject(refusal ?? new MCPConnectionError(`Could not connect to ${where}: ${error.message}`, { cause: error }));
    });
    socket.on('close', (code, reason) => {
      if (opened) events.close(code, reason.toString('utf8'));
      else reject(refusal ?? new MCPConnectionError(`${where} closed the connection before the WebSocket opened (code ${code})`));
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) events.error(new Error('Ignored a binary frame: MCP messages travel as text frames'));
      else events.message(rawDataToText(data));
    });
  });
}

/**
 * The browser path, also usable with any WHATWG-compatible WebSocket class. Browsers hide the
 * HTTP status of a refused upgrade, so a wrong token cannot be told apart from an unreachable server.
 */
export function openStandardSocket(
  WebSocketClass: StandardWebSocketConstructor,
  target: SocketTarget,
  events: SocketEvents,
): Promise<OpenSocket> {
  const where = redactUrl(target.url);
  return new Promise((resolve, reject) => {
    const socket = new WebSocketClass(withAccessToken(target.url, target.authToken), [MCP_SUBPROTOCOL]);
    let opened = false;
    const timer = setTimeout(() => {
      reject(new MCPConnectionError(`${where} did not complete the WebSocket handshake within ${target.connectTimeoutMs} ms`));
      socket.close();
    }, target.connectTimeoutMs);
    socket.onopen = () => {
      clearTimeout(timer);
      opened = true;
      resolve({ send: async (text) => sendOnStandardSocket(socket, text), close: (code, reason) => socket.close(code, reason) });
    };
    socket.onerror = () => {
      if (opened) return events.error(new Error(`WebSocket error on ${where}`));
      clearTimeout(timer);
      reject(
        new MCPConnectionError(
          `Could not connect to ${where} (the browser does not say why: a refused token looks the same as an unreachable server)`,
        ),
      );
    };
    socket.onclose = (event) => {
      clearTimeout(timer);
      if (opened) events.close(event.code, event.reason);
      else reject(new MCPConnectionError(`${where} closed the connection before the WebSocket opened (code ${event.code})`));
    };
    socket.onmessage = (event) => {
      if (typeof event.data === 'string') events.message(event.data);
      else events.error(new Error('Ignored a binary frame: MCP messages travel as text frames'));
    };
  });
}

function upgradeHeaders(target: SocketTarget): Record<string, string> {
  return target.authToken ? { ...target.headers, Authorization: `Bearer ${target.authToken}` } : { ...target.headers };
}

function upgradeRefusal(status: number, where: string): MCPClientError {
  if (status === 401 || status === 403) return new MCPAuthenticationError(status, where);
  return new MCPConnectionError(`${where} refused the WebSocket upgrade with HTTP ${status}`);
}

function sendOnNodeSocket(socket: NodeWebSocket, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.readyState !== OPEN) return reject(new MCPConnectionError('The WebSocket is not open'));
    socket.send(text, (error) =>
      error ? reject(new MCPConnectionError(`Sending failed: ${error.message}`, { cause: error })) : resolve(),
    );
  });
}

function sendOnStandardSocket(socket: StandardWebSocket, text: string): void {
  if (socket.readyState !== OPEN) throw new MCPConnectionError('The WebSocket is not open');
  socket.send(text);
}

function rawDataToText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function globalWebSocket(): StandardWebSocketConstructor {
  const WebSocketClass = (globalThis as { WebSocket?: StandardWebSocketConstructor }).WebSocket;
  if (!WebSocketClass) throw new MCPClientError('This runtime has no WebSocket implementation', false);
  return WebSocketClass;
}
