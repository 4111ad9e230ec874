import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { MCPConnectionError } from './mcp-client.errors.js';
import { openRuntimeSocket, type OpenSocket, type SocketOpener, type SocketTarget } from './socket-opener.js';

export interface CloseInfo {
  code: number;
  reason: string;
}

/** Close code the client uses when it ends a connection itself. */
const NORMAL_CLOSURE = 1000;
/** Close code for a connection that ended without a close frame from the peer. */
const ABNORMAL_CLOSURE = 1006;

/**
 * One WebSocket connection as an SDK Transport: JSON-RPC 2.0, one message per text frame.
 * A transport lives exactly as long as its socket; reconnecting means a new transport and a
 * new SDK Client (see MCPWebSocketClient), so the SDK fails every request of the old
 * connection at once instead of leaving it waiting for an answer that cannot come.
 */
export class WebSocketTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /**
   * Set once a 2026-07-28 era was negotiated: the SDK Client skips `initialize` for a transport
   * that already carries a session, which is what this era wants (there is no initialize).
   */
  sessionId?: string;
  /** The version the connection speaks: set by the SDK Client after initialize, or by useEnvelope. */
  protocolVersion?: string;

  private socket?: OpenSocket;
  /** Opened by open() for era negotiation, not yet taken over by start(). */
  private openedEarly = false;
  /** The 2026-07-28 `_meta` envelope put on every request, once that era is negotiated. */
  private envelope?: Record<string, unknown>;
  private closeInfo?: CloseInfo;
  /**
   * Inbound messages reach the SDK one microtask apart. The SDK handles a notification one
   * microtask late but a response at once, so a tool's last progress notification and its
   * result, read from the network together, would otherwise arrive at the SDK reversed and the
   * progress would be dropped. The socket's own close goes through the same queue so it never
   * overtakes a response that arrived before it.
   */
  private delivery: Promise<void> = Promise.resolve();

  constructor(
    private readonly target: SocketTarget,
    private readonly openSocket: SocketOpener = openRuntimeSocket,
  ) {}

  /** How the connection ended; undefined while it is open. */
  get closed(): CloseInfo | undefined {
    return this.closeInfo;
  }

  /** Opens the socket before an SDK Client takes the transport over, so the era can be negotiated first. */
  async open(): Promise<void> {
    await this.start();
    this.openedEarly = true;
  }

  async start(): Promise<void> {
    if (this.openedEarly) {
      this.openedEarly = false;
      return;
    }
    if (this.socket) throw new Error('WebSocketTransport is single-use: it was already started');
    this.socket = await this.openSocket(this.target, {
      message: (text) => this.inOrder(() => this.receive(text)),
      close: (code, reason) => this.inOrder(() => this.markClosed({ code, reason })),
      error: (error) => this.onerror?.(error),
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!this.socket || this.closeInfo) throw new MCPConnectionError('The WebSocket is not open');
    await this.socket.send(JSON.stringify(this.envelope ? withEnvelope(message, this.envelope) : message));
  }

  setProtocolVersion(version: string): void {
    this.protocolVersion = version;
  }

  /** From now on every request carries `envelope` in `params._meta` (the 2026-07-28 era); no initialize is sent. */
  useEnvelope(envelope: Record<string, unknown>, version: string, sessionId: string): void {
    this.envelope = envelope;
    this.protocolVersion = version;
    this.sessionId = sessionId;
  }

  /** Reports the close at once: waiting for the closing handshake could take long when the peer is gone. */
  async close(): Promise<void> {
    if (this.closeInfo) return;
    this.socket?.close(NORMAL_CLOSURE, 'client closed the connection');
    this.markClosed({ code: NORMAL_CLOSURE, reason: 'client closed the connection' });
  }

  /** Gives up on a connection whose peer no longer answers: reported as an abnormal closure (1006), which reconnects. */
  abandon(reason: string): void {
    if (this.closeInfo) return;
    this.socket?.close(NORMAL_CLOSURE, reason);
    this.markClosed({ code: ABNORMAL_CLOSURE, reason });
  }

  private inOrder(step: () => void): void {
    this.delivery = this.delivery.then(step).catch((error: unknown) => this.onerror?.(error as Error));
  }

  private receive(text: string): void {
    let message: JSONRPCMessage;
    try {
      message = JSONRPCMessageSchema.parse(JSON.parse(text));
    } catch (error) {
      this.onerror?.(new Error(`Ignored a frame that is not a JSON-RPC message: ${(error as Error).message}`));
      return;
    }
    this.onmessage?.(message);
  }

  private markClosed(info: CloseInfo): void {
    if (this.closeInfo) return;
    this.closeInfo = info;
    this.onclose?.();
  }
}

/** A request with the envelope merged into its `_meta` (keys the SDK set, such as progressToken, kept). */
function withEnvelope(message: JSONRPCMessage, envelope: Record<string, unknown>): JSONRPCMessage {
  if (!('method' in message) || !('id' in message)) return message;
  const params = (message.params ?? {}) as Record<string, unknown> & { _meta?: Record<string, unknown> };
  return { ...message, params: { ...params, _meta: { ...envelope, ...params._meta } } };
}
