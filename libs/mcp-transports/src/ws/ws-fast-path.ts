import { Logger } from '@nestjs/common';
import {
  type CallToolResult,
  type JSONRPCMessage,
  type ListToolsResult,
  type ProgressNotification,
  type RequestId,
  SdkError,
  SdkErrorCode,
  type Server,
} from '@modelcontextprotocol/server';
import { errorResponse, fastRouteOf, resultResponse, serializedResultResponse } from '../fast-route.js';
import type { McpServerFactory } from '../mcp-server.factory.js';
import type { McpSession } from '../mcp-session.js';

/** Where the fast path writes: the session's own transport, so frame metrics and SessionFlow see every answer. */
export interface FastPathWire {
  send(message: JSONRPCMessage): Promise<void>;
  /** Writes an already serialized message; `message` stands for it in the accounting (its id and kind). */
  sendSerialized(json: string, message: JSONRPCMessage): void;
}

/** What the transport tells the fast path: every admitted incoming message, every outgoing one, the close. */
export interface MessageInterceptor {
  /** True when the message was answered here and must not reach the SDK. */
  take(message: JSONRPCMessage): boolean;
  sent(message: JSONRPCMessage): void;
  closed(): void;
}

type Params = Record<string, unknown> | undefined;
type Tool = ListToolsResult['tools'][number];
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
  private readonly logger = new Logger('McpServer');
  /** The 2025-era Server serveStdio pinned for this connection, once the factory has built it. */
  private server?: Server;
  /** Ids of `initialize` requests not yet answered: their successful result establishes the session. */
  private readonly initializing = new Set<RequestId>();
  private established = false;
  /** Calls this path runs, by request id, for cancellation and for the close. */
  private readonly running = new Map<RequestId, AbortController>();
  /**
   * Calls the client cancelled or the close ended: they get no answer. Their controller is lent to the
   * in-flight tracker, whose drain deadline aborts it too, and those calls are still answered.
   */
  private readonly withdrawn = new WeakSet<AbortController>();

  constructor(
    private readonly factory: McpServerFactory,
    private readonly session: McpSession,
    private readonly wire: FastPathWire,
  ) {}

  /** Told of each Server serveStdio builds; only a 2025-era one can ever be served around. */
  serve(server: Server, era: 'legacy' | 'modern'): void {
    if (era === 'legacy') this.server = server;
  }

  take(message: JSONRPCMessage): boolean {
    if (!this.established) {
      if ('method' in message && message.method === 'initialize' && 'id' in message) this.initializing.add(message.id);
      return false;
    }
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
      // The result response as the SDK frames it, around the list serialized once.
      const frame = serializedResultResponse(request.id, json);
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

  sent(message: JSONRPCMessage): void {
    if (this.established || !('id' in message) || message.id === undefined || !this.initializing.delete(message.id)) return;
    // Established only once the SDK has answered initialize in the 2025 era (the era whose wire is repeated here).
    const result = 'result' in message ? (message.result as { protocolVersion?: unknown }) : undefined;
    if (this.server && typeof result?.protocolVersion === 'string') {
      this.established = true;
      this.initializing.clear();
    }
  }

  /** The socket closed: calls still running are aborted as the SDK aborts its own, and get no answer. */
  closed(): void {
    const error = new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed');
    const running = [...this.running.values()];
    this.running.clear();
    for (const controller of running) this.withdraw(controller, error);
  }

  private cancel({ params }: Cancellation): boolean {
    const controller = this.running.get(params.requestId);
    // A cancellation for a request the SDK runs (or for nothing) is the SDK's to handle.
    if (!controller) return false;
    this.withdraw(controller, params.reason);
    return true;
  }

  private withdraw(controller: AbortController, reason: unknown): void {
    this.withdrawn.add(controller);
    controller.abort(reason);
  }

  private async call(id: RequestId, params: Record<string, unknown>): Promise<void> {
    const controller = new AbortController();
    // A reused id replaces the running one, as in the SDK; only its own entry is removed at the end.
    this.running.set(id, controller);
    const meta = params._meta as { progressToken?: string | number } | undefined;
    try {
      const result = await this.factory.runToolCall(this.session, {
        name: params.name as string,
        arguments: params.arguments as Record<string, unknown> | undefined,
        progressToken: meta?.progressToken,
        abort: controller,
        enveloped: false,
        notify: this.notify,
        project: this.project,
      });
      if (!this.withdrawn.has(controller)) this.answer(id, result);
    } catch (error) {
      if (!this.withdrawn.has(controller)) this.fail(id, error);
    } finally {
      if (this.running.get(id) === controller) this.running.delete(id);
    }
  }

  /** Progress goes out as the SDK's Server sends it for a request (a bare notification, no envelope in 2025). */
  private readonly notify = (notification: ProgressNotification): Promise<void> => this.wire.send({ jsonrpc: '2.0', ...notification });

  private readonly project = (result: CallToolResult, outputSchema: Tool['outputSchema']): CallToolResult =>
    this.server!.projectCallToolResult(result, outputSchema);

  /** A result response, framed as the SDK's Protocol frames it. */
  private answer(id: RequestId, result: object): void {
    this.wire.send(resultResponse(id, result)).catch((error: unknown) => this.reportSendFailure(error));
  }

  /** An error response as the SDK's Protocol builds it from a thrown error. */
  private fail(id: RequestId, thrown: unknown): void {
    this.wire.send(errorResponse(id, thrown)).catch((sendError: unknown) => this.reportSendFailure(sendError));
  }

  private reportSendFailure(error: unknown): void {
    this.logger.debug(`ws: Failed to send response: ${String(error)}`);
  }
}
