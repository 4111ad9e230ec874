import { type JSONRPCMessage, ProtocolErrorCode, type RequestId } from '@modelcontextprotocol/server';

/**
 * The message shapes the /ws and /mcp fast paths may answer themselves, and the responses they
 * write, framed as the SDK's Protocol frames them so that both paths produce the SDK's own bytes.
 */

/** The requests and the notification a fast path may answer itself; everything else is the SDK's. */
export type FastRoute = 'tools/call' | 'tools/list' | 'ping' | 'cancel';

type Params = Record<string, unknown> | undefined;

/**
 * The fast route a message may take, judged on its shape alone: exactly the keys the SDK's strict
 * JSON-RPC schemas accept, and params the SDK's schemas would pass unchanged. Undefined sends it to the SDK.
 */
export function fastRouteOf(message: JSONRPCMessage): FastRoute | undefined {
  // /mcp hands over whatever its body parser left: nothing at all for a body that is not JSON.
  if (!isPlainObject(message)) return undefined;
  const record = message as Record<string, unknown>;
  if (record.jsonrpc !== '2.0' || typeof record.method !== 'string' || !onlyKeys(record, ENVELOPE_KEYS)) return undefined;
  if (record.params !== undefined && !isPlainObject(record.params)) return undefined;
  const params = record.params;
  if (!('id' in record)) return record.method === 'notifications/cancelled' && isPlainCancel(params) ? 'cancel' : undefined;
  if (!isRequestId(record.id)) return undefined;
  switch (record.method) {
    case 'ping':
    case 'tools/list':
      // A cursor or any _meta goes to the SDK (the one-page list answers a cursor with -32602).
      return params === undefined || isEmpty(params) ? record.method : undefined;
    case 'tools/call':
      return isPlainCallParams(params) ? 'tools/call' : undefined;
    default:
      return undefined;
  }
}

/** A result response, keys in the order the SDK's Protocol writes them (so the bytes are the same). */
export function resultResponse(id: RequestId, result: object): JSONRPCMessage {
  return { result, jsonrpc: '2.0', id } as JSONRPCMessage;
}

/** The result response around a result already serialized (the tools/list result built once per list). */
export function serializedResultResponse(id: RequestId, resultJson: string): string {
  return `{"result":${resultJson},"jsonrpc":"2.0","id":${JSON.stringify(id)}}`;
}

/** An error response as the SDK's Protocol builds it from a thrown error (the 2025 codec's code mapping included). */
export function errorResponse(id: RequestId, thrown: unknown): JSONRPCMessage {
  const error = (typeof thrown === 'object' && thrown !== null ? thrown : {}) as { code?: unknown; message?: unknown; data?: unknown };
  const code = Number.isSafeInteger(error.code) ? (error.code as number) : ProtocolErrorCode.InternalError;
  return {
    jsonrpc: '2.0',
    id,
    error: {
      code: code === -32002 ? ProtocolErrorCode.InvalidParams : code,
      message: error.message ?? 'Internal error',
      ...(error.data !== undefined && { data: error.data }),
    },
  } as JSONRPCMessage;
}

const ENVELOPE_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const CALL_KEYS = new Set(['name', 'arguments', '_meta']);
const CALL_META_KEYS = new Set(['progressToken']);
const CANCEL_KEYS = new Set(['requestId', 'reason']);

/** `{name, arguments?: plain object, _meta?: {progressToken?: string | integer}}`, nothing else. */
function isPlainCallParams(params: Params): boolean {
  if (params === undefined || !onlyKeys(params, CALL_KEYS) || typeof params.name !== 'string') return false;
  if (params.arguments !== undefined && !isPlainObject(params.arguments)) return false;
  const meta = params._meta;
  if (meta === undefined) return true;
  if (!isPlainObject(meta) || !onlyKeys(meta, CALL_META_KEYS)) return false;
  return meta.progressToken === undefined || isRequestId(meta.progressToken);
}

/** `{requestId, reason?: string}`, the shape SDK clients send. */
function isPlainCancel(params: Params): boolean {
  return (
    params !== undefined &&
    onlyKeys(params, CANCEL_KEYS) &&
    isRequestId(params.requestId) &&
    (params.reason === undefined || typeof params.reason === 'string')
  );
}

/** A string or a safe integer: the SDK's request id and progress token schemas. */
function isRequestId(value: unknown): value is RequestId {
  return typeof value === 'string' || Number.isSafeInteger(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!allowed.has(key)) return false;
  return true;
}

function isEmpty(value: Record<string, unknown>): boolean {
  for (const key in value) return false;
  return true;
}
