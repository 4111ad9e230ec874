import { Logger } from '@nestjs/common';
import {
  type JSONRPCMessage,
  type ProgressNotification,
  ProtocolErrorCode,
  type RequestId,
  SdkError,
  SdkErrorCode,
} from '@modelcontextprotocol/server';
import type { McpServerFactory } from '../mcp-server.factory.js';
import type { McpSession } from '../mcp-session.js';

/** The requests and the notification the fast path may answer itself; everything else is the SDK's. */
export type FastRoute = 'tools/call' | 'tools/list' | 'ping' | 'cancel';

/** Where the fast path writes: the session's own transport, so frame metrics and SessionFlow see every answer. */
export interface FastPathWire {
  send(message: JSONRPCMessage): Promise<void>;
  /** Writes an already serialized message; `message` stands for it in the accounting (its id and kind). */
  sendSerialized(json: string, message: JSONRPCMessage): void;
}

/** What the transport tells the fast path: every admitted incoming message, and the close. */
export interface MessageInterceptor {
  /** True when the message was answered here and must not reach the SDK. */
  take(message: JSONRPCMessage): boolean;
  closed(): void;
}

const logger = new Logger('McpServer');

type Params = Record<string, unknown> | undefined;
type Request = { id: RequestId; method: string; params?: Params };
type Cancellation = { params: { requestId: RequestId; reason?: string } };

/**
 * A fast path for `tools/call`, `tools/list` and `ping` on an established 2025-era /ws session.
 *
 * Why: profiles of /ws (docs/performance.md) put the SDK's per-message work at the top of a call's
 * CPU: zod parses of the request and of the result (several of them failing type-guard parses that
 * build a ZodError), an AbortController and a context object per request, and the same 12.6 KB
 * tools/list result re-serialized on every call (zod 26 %, that serialization 20 % of CPU on
 * tools/list). The answers are fixed by the protocol, so the common shapes are answered here with
 * the SDK's own bytes: the call runs through McpServerFactory.runToolCall (the one implementation
 * the SDK's handler runs too), results and errors are framed as the SDK's Protocol frames them,
 * and the tools/list result is serialized once per list.
 *
 * Conservative by construction: only a session whose `initialize` the SDK has answered (2025 era;
 * 2026-07-28 traffic is left to the SDK, whose envelope and result encoding are not repeated here),
 * only messages of the exact common shape (anything odd gets the SDK's own answer), and nothing
 * while tracing is on (the gateway then builds no fast path, so every request gets the SDK's span).
 */
export class WsFastPath implements MessageInterceptor {
  private established = false;
  /** Calls this path runs, by request id, for cancellation and for the close (allocated with the first: idle sessions hold none). */
  private running?: Map<RequestId, AbortController>;
  /**
   * Calls the client cancelled or the close ended: they get no answer. Their controller is lent to the
   * in-flight tracker, whose drain deadline aborts it too, and those calls are still answered.
   */
  private withdrawn?: WeakSet<AbortController>;

  constructor(
    private readonly factory: McpServerFactory,
    private readonly session: McpSession,
    private readonly wire: FastPathWire,
  ) {}

  /** The SDK has answered a 2025-era `initialize` with success (the era whose wire is repeated here). */
  establish(): void {
    this.established = true;
  }

  take(message: JSONRPCMessage): boolean {
    if (!this.established) return false;
    const route = fastRouteOf(message);
    if (route === undefined) return false;
    if (route === 'cancel') return this.cancel(message as unknown as Cancellation);
    const request = message as Request;
    if (route === 'ping') {
      this.answer(request.id, {});
      return true;
    }
    if (route === 'tools/list') {
      const json = this.factory.serializedToolList(this.session);
      if (json === undefined) return false;
      // The result response as the SDK frames it (result, jsonrpc, id), around the list serialized once.
      const frame = `{"result":${json},"jsonrpc":"2.0","id":${JSON.stringify(request.id)}}`;
      try {
        this.wire.sendSerialized(frame, { jsonrpc: '2.0', id: request.id, result: {} });
      } catch (error) {
        this.reportSendFailure(error);
      }
      return true;
    }
    void this.call(request.id, request.params ?? {});
    return true;
  }

  /** The socket closed: calls still running are aborted as the SDK aborts its own, and get no answer. */
  closed(): void {
    if (!this.running) return;
    const error = new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed');
    const running = [...this.running.values()];
    this.running.clear();
    for (const controller of running) this.withdraw(controller, error);
  }

  private cancel({ params }: Cancellation): boolean {
    const controller = this.running?.get(params.requestId);
    // A cancellation for a request the SDK runs (or for nothing) is the SDK's to handle.
    if (!controller) return false;
    this.withdraw(controller, params.reason);
    return true;
  }

  private withdraw(controller: AbortController, reason: unknown): void {
    (this.withdrawn ??= new WeakSet()).add(controller);
    controller.abort(reason);
  }

  private async call(id: RequestId, params: Record<string, unknown>): Promise<void> {
    const controller = new AbortController();
    // A reused id replaces the running one, as in the SDK; only its own entry is removed at the end.
    const running = (this.running ??= new Map());
    running.set(id, controller);
    const meta = params._meta as { progressToken?: string | number } | undefined;
    try {
      const result = await this.factory.runToolCall(this.session, {
        name: params.name as string,
        arguments: params.arguments as Record<string, unknown> | undefined,
        progressToken: meta?.progressToken,
        abort: controller,
        enveloped: false,
        notify: (notification) => this.notify(notification),
        project: this.factory.projectLegacyResult,
      });
      if (!this.withdrawn?.has(controller)) this.answer(id, result);
    } catch (error) {
      if (!this.withdrawn?.has(controller)) this.fail(id, error);
    } finally {
      if (running.get(id) === controller) running.delete(id);
    }
  }

  /** Progress goes out as the SDK's Server sends it for a request (a bare notification, no envelope in 2025). */
  private notify(notification: ProgressNotification): Promise<void> {
    return this.wire.send({ jsonrpc: '2.0', ...notification });
  }

  /** A result response, keys in the order the SDK's Protocol writes them (so the bytes are the same). */
  private answer(id: RequestId, result: object): void {
    this.wire.send({ result, jsonrpc: '2.0', id } as JSONRPCMessage).catch((error: unknown) => this.reportSendFailure(error));
  }

  /** An error response as the SDK's Protocol builds it from a thrown error (the 2025 codec's code mapping included). */
  private fail(id: RequestId, thrown: unknown): void {
    const error = (typeof thrown === 'object' && thrown !== null ? thrown : {}) as { code?: unknown; message?: unknown; data?: unknown };
    const code = Number.isSafeInteger(error.code) ? (error.code as number) : ProtocolErrorCode.InternalError;
    const response = {
      jsonrpc: '2.0',
      id,
      error: {
        code: code === -32002 ? ProtocolErrorCode.InvalidParams : code,
        message: error.message ?? 'Internal error',
        ...(error.data !== undefined && { data: error.data }),
      },
    };
    this.wire.send(response as JSONRPCMessage).catch((sendError: unknown) => this.reportSendFailure(sendError));
  }

  private reportSendFailure(error: unknown): void {
    logger.debug(`ws: Failed to send response: ${String(error)}`);
  }
}

/**
 * The fast route a message may take, judged on its shape alone: exactly the keys the SDK's strict
 * JSON-RPC schemas accept, and params the SDK's schemas would pass unchanged. Undefined sends it to the SDK.
 */
export function fastRouteOf(message: JSONRPCMessage): FastRoute | undefined {
  const record = message as Record<string, unknown>;
  if (typeof record.method !== 'string' || !onlyKeys(record, ENVELOPE_KEYS)) return undefined;
  const params = record.params as Params;
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
