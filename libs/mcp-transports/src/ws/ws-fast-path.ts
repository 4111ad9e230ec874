import { Logger } from '@nestjs/common';
import { type JSONRPCMessage, type ProgressNotification, type RequestId, SdkError, SdkErrorCode } from '@modelcontextprotocol/server';
import { errorResponse, fastRouteOf, resultResponse, serializedResultResponse } from '../fast-route.js';
import type { McpServerFactory } from '../mcp-server.factory.js';
import type { McpSession } from '../mcp-session.js';

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

  /** A result response, framed as the SDK's Protocol frames it. */
  private answer(id: RequestId, result: object): void {
    this.wire.send(resultResponse(id, result)).catch((error: unknown) => this.reportSendFailure(error));
  }

  /** An error response as the SDK's Protocol builds it from a thrown error. */
  private fail(id: RequestId, thrown: unknown): void {
    this.wire.send(errorResponse(id, thrown)).catch((sendError: unknown) => this.reportSendFailure(sendError));
  }

  private reportSendFailure(error: unknown): void {
    logger.debug(`ws: Failed to send response: ${String(error)}`);
  }
}
