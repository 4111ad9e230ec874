import { LATEST_PROTOCOL_VERSION, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { MCPClientError, MCPConnectionError } from './mcp-client.errors.js';
import type { WebSocketTransport } from './websocket.transport.js';

/** The protocol era without `initialize`: `server/discover` and a `_meta` envelope on every request. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';
/** The era the SDK's Client negotiates with `initialize`. */
export const LEGACY_PROTOCOL_VERSION = LATEST_PROTOCOL_VERSION;

/** `auto` tries 2026-07-28 and falls back to 2025-11-25; a version pins that era. */
export type ProtocolVersionMode = 'auto' | typeof MODERN_PROTOCOL_VERSION | typeof LEGACY_PROTOCOL_VERSION;
export const PROTOCOL_VERSION_MODES: readonly ProtocolVersionMode[] = ['auto', MODERN_PROTOCOL_VERSION, LEGACY_PROTOCOL_VERSION];

/** The 2026-07-28 envelope keys, as the MCP SDK v2 names them (PROTOCOL_VERSION_META_KEY, CLIENT_INFO_META_KEY, CLIENT_CAPABILITIES_META_KEY). */
export const PROTOCOL_VERSION_META_KEY = 'io.modelcontextprotocol/protocolVersion';
export const CLIENT_INFO_META_KEY = 'io.modelcontextprotocol/clientInfo';
export const CLIENT_CAPABILITIES_META_KEY = 'io.modelcontextprotocol/clientCapabilities';

/** The spec's UnsupportedProtocolVersion error code; `data.supported` lists what the server speaks. */
export const UNSUPPORTED_PROTOCOL_VERSION = -32022;

const PROBE_ID = 'server/discover';

export type Era =
  { version: typeof MODERN_PROTOCOL_VERSION; envelope: Record<string, unknown> } | { version: typeof LEGACY_PROTOCOL_VERSION };

interface ProbeContext {
  mode: Exclude<ProtocolVersionMode, typeof LEGACY_PROTOCOL_VERSION>;
  clientInfo: { name: string; version: string };
  timeoutMs: number;
  /** For messages: the server's URL with any token removed. */
  where: string;
}

export function requestEnvelope(clientInfo: ProbeContext['clientInfo']): Record<string, unknown> {
  return { [PROTOCOL_VERSION_META_KEY]: MODERN_PROTOCOL_VERSION, [CLIENT_INFO_META_KEY]: clientInfo, [CLIENT_CAPABILITIES_META_KEY]: {} };
}

/**
 * Asks an opened (not yet SDK-owned) transport for `server/discover`, as the MCP SDK v2 client
 * does: a result listing 2026-07-28 selects that era. A server of the 2025 era answers with an
 * error (method not found, or -32022 without 2026-07-28 among the supported versions) or a result
 * that is no discover result: `auto` falls back to initialize on the same connection, a pin
 * refuses (not retriable: another attempt would get the same answer).
 */
export async function negotiateEra(transport: WebSocketTransport, context: ProbeContext): Promise<Era> {
  const envelope = requestEnvelope(context.clientInfo);
  const reply = await exchange(
    transport,
    { jsonrpc: '2.0', id: PROBE_ID, method: 'server/discover', params: { _meta: envelope } },
    context,
  );
  if ('result' in reply && offersModern(reply.result)) return { version: MODERN_PROTOCOL_VERSION, envelope };
  if (context.mode === 'auto') return { version: LEGACY_PROTOCOL_VERSION };
  const answer =
    'error' in reply
      ? `answered server/discover with error ${reply.error.code} (${reply.error.message})`
      : 'did not list it in server/discover';
  throw new MCPClientError(`${context.where} does not offer the pinned protocol version ${MODERN_PROTOCOL_VERSION}: it ${answer}`, false);
}

function offersModern(result: unknown): boolean {
  const versions = (result as { supportedVersions?: unknown } | undefined)?.supportedVersions;
  return Array.isArray(versions) && versions.includes(MODERN_PROTOCOL_VERSION);
}

type Reply = { result: unknown } | { error: { code: number; message: string } };

/** Sends the probe and waits for its reply; a close or a silence within timeoutMs is a (retriable) connection failure. */
function exchange(transport: WebSocketTransport, probe: JSONRPCMessage, context: ProbeContext): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    const timer = setTimeout(
      () => finish(() => reject(new MCPConnectionError(`${context.where} did not answer server/discover within ${context.timeoutMs} ms`))),
      context.timeoutMs,
    );
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      transport.onmessage = undefined;
      transport.onclose = undefined;
      settle();
    };
    transport.onmessage = (message) => {
      if (!('id' in message) || message.id !== PROBE_ID) return;
      if ('result' in message) finish(() => resolve({ result: message.result }));
      else if ('error' in message) finish(() => resolve({ error: message.error }));
    };
    transport.onclose = () => finish(() => reject(new MCPConnectionError(`${context.where} closed the connection during server/discover`)));
    transport.send(probe).catch((error: unknown) => finish(() => reject(error)));
  });
}
