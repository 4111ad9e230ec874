import {
  type JSONRPCMessage,
  type MessageExtraInfo,
  ProtocolErrorCode as ErrorCode,
  type RequestId,
  type Transport,
} from '@modelcontextprotocol/server';
import type { Duplex } from 'node:stream';
import { jsonLimitExceeded, jsonLimitMessage, topLevelId } from '#security';
import { WebSocket, type RawData } from 'ws';
import type { SessionFlow } from './connection-limits.js';
import type { MessageInterceptor } from './ws-fast-path.js';

export interface Refusal {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * Charged once per incoming frame, whatever it holds (rate limits): undefined lets it through,
 * else the JSON-RPC error a request in it is answered with.
 */
export type FrameGate = () => Refusal | undefined;

/** Counts frames in each direction (metrics); kept optional so the transport stays independent of Nest. */
export interface FrameObserver {
  received(): void;
  sent(): void;
}

/**
 * Server side of MCP over WebSocket: one JSON-RPC message per text frame, in both directions.
 * The SDK ships no server transport for WebSocket, so framing problems are answered here the way
 * JSON-RPC requires (-32700 / -32600, connection kept open); everything valid goes to the SDK's
 * protocol engine. Closing the socket closes the transport, which aborts the session's calls.
 */
export class WebSocketServerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  /** Sees every admitted message before the SDK and every message sent (the /ws fast path). */
  interceptor?: MessageInterceptor;

  private readonly frames: FrameObserver | undefined;
  private corked = false;
  private readonly uncork = (): void => {
    this.corked = false;
    this.tcp?.uncork();
  };

  constructor(
    private readonly socket: WebSocket,
    frames?: FrameObserver,
    /** Session limits (idle timeout, send backpressure) told about every message carried. */
    private readonly flow?: SessionFlow,
    private readonly gate?: FrameGate,
    /**
     * The TCP socket under the WebSocket. Frames sent in one event-loop turn (the answers to the
     * requests of one read, their progress) are written with one writev instead of one per frame:
     * socket writes were 10 % of the CPU of a /ws tools/call at 64 in flight (docs/performance.md).
     */
    private readonly tcp?: Duplex,
  ) {
    this.frames = frames;
  }

  async start(): Promise<void> {
    this.socket.on('message', (data, isBinary) => this.receive(data, isBinary));
    this.socket.once('close', () => {
      this.interceptor?.closed();
      this.onclose?.();
    });
    this.socket.on('error', (error) => this.onerror?.(error));
  }

  async send(message: JSONRPCMessage): Promise<void> {
    this.sendSerialized(JSON.stringify(message), message);
  }

  /** Writes a message already serialized; `message` stands for it in the accounting (its id and kind). */
  sendSerialized(json: string, message: JSONRPCMessage): void {
    if (this.socket.readyState !== WebSocket.OPEN) throw new Error('WebSocket is not open');
    if (this.tcp && !this.corked) {
      this.corked = true;
      this.tcp.cork();
      // Runs once this turn's callbacks and microtasks are done: nothing waits longer than the turn.
      process.nextTick(this.uncork);
    }
    this.socket.send(json);
    this.frames?.sent();
    this.flow?.sent(message);
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(1000);
  }

  private receive(data: RawData, isBinary: boolean): void {
    this.frames?.received();
    // Every frame costs parsing and a reply, so each one is charged — invalid ones and notifications too.
    const refusal = this.gate?.();
    if (isBinary)
      return this.reject(
        refusal ?? { code: ErrorCode.InvalidRequest, message: 'Invalid Request: send each JSON-RPC message as one text frame' },
        null,
      );
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.toString());
    // Depth and size are checked on the raw bytes, before JSON.parse and the schema checks can spend time or stack on them.
    const limit = jsonLimitExceeded(bytes);
    if (limit)
      return this.reject(refusal ?? { code: ErrorCode.InvalidRequest, message: jsonLimitMessage(limit) }, topLevelId(bytes) ?? null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString());
    } catch {
      return this.reject(refusal ?? { code: ErrorCode.ParseError, message: 'Parse error: the frame is not valid JSON' }, null);
    }
    if (Array.isArray(parsed))
      return this.reject(
        refusal ?? { code: ErrorCode.InvalidRequest, message: 'Invalid Request: batches are not supported, send one message per frame' },
        null,
      );
    if (!isJsonRpcMessage(parsed)) {
      return this.reject(
        refusal ?? {
          code: ErrorCode.InvalidRequest,
          message: 'Invalid Request: expected a JSON-RPC 2.0 request, notification or response',
        },
        idOf(parsed),
      );
    }
    this.flow?.received(parsed);
    if (refusal) {
      if ('method' in parsed && 'id' in parsed) return this.reject(refusal, parsed.id);
      // A cancellation over the budget still passes: it only ever frees work. Other notifications are dropped, unanswered.
      if (!('method' in parsed) || parsed.method !== 'notifications/cancelled') return;
    }
    if (this.interceptor?.take(parsed)) return;
    this.onmessage?.(parsed);
  }

  private reject({ code, message, data }: Refusal, id: RequestId | null): void {
    this.onerror?.(new Error(message));
    // Framing errors and gated requests never reach the SDK, so the reply is written here.
    this.send({ jsonrpc: '2.0', id, error: { code, message, ...(data === undefined ? {} : { data }) } } as unknown as JSONRPCMessage).catch(
      () => undefined,
    );
  }
}

/**
 * The JSON-RPC 2.0 envelope only (request, notification, result or error response). The SDK
 * validates each method's params against its own schemas when it dispatches, so checking the
 * envelope by hand here keeps a message at one schema validation instead of two (the SDK's
 * whole-message zod parse measured a quarter of the CPU of a /ws call).
 */
function isJsonRpcMessage(value: unknown): value is JSONRPCMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  if (message.jsonrpc !== '2.0') return false;
  const hasId = 'id' in message;
  if (hasId && !isRequestId(message.id)) return false;
  // A request or notification never carries a result or an error: the SDK would take such a
  // message for a response to an id it never sent and drop it, leaving the caller unanswered.
  if (typeof message.method === 'string') {
    if ('result' in message || 'error' in message) return false;
    return (
      message.params === undefined || (typeof message.params === 'object' && message.params !== null && !Array.isArray(message.params))
    );
  }
  if (!hasId) return false;
  if ('result' in message) return typeof message.result === 'object' && message.result !== null && !('error' in message);
  const error = message.error as { code?: unknown; message?: unknown } | null | undefined;
  return typeof error === 'object' && error !== null && Number.isInteger(error.code) && typeof error.message === 'string';
}

function isRequestId(id: unknown): id is RequestId {
  return typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id));
}

/** The id of an invalid request, when it carries a usable one, so the client can match the error. */
function idOf(value: unknown): RequestId | null {
  const id = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
}
