import type { RequestId } from '@modelcontextprotocol/server';
import type { CallTracker, TrackedCall } from '../mcp-server.factory.js';
import type { McpSession } from '../mcp-session.js';

/**
 * Cancellation for stateless /mcp. A client's `notifications/cancelled` arrives in a new POST,
 * handled by a different Server than the call it names, so calls in flight on this replica are
 * indexed by principal and request id. Request ids are only unique per client, and several
 * clients may share a principal: when more than one call matches, none is cancelled — a missed
 * cancel only wastes work, a wrong one would break another client's call.
 */
export class StatelessCallTracker implements CallTracker {
  private readonly inFlight = new Map<string, AbortController[]>();

  begin(session: McpSession, requestId: RequestId, signal: AbortSignal): TrackedCall {
    const key = keyOf(session, requestId);
    const controller = new AbortController();
    const calls = this.inFlight.get(key);
    if (calls) calls.push(controller);
    else this.inFlight.set(key, [controller]);
    return { signal: AbortSignal.any([signal, controller.signal]), end: () => this.remove(key, controller) };
  }

  cancel(session: McpSession, requestId: RequestId, reason: unknown): void {
    const calls = this.inFlight.get(keyOf(session, requestId));
    if (calls?.length === 1) calls[0].abort(reason ?? 'cancelled by the client');
  }

  private remove(key: string, controller: AbortController): void {
    const calls = this.inFlight.get(key);
    if (!calls) return;
    const remaining = calls.filter((call) => call !== controller);
    if (remaining.length > 0) this.inFlight.set(key, remaining);
    else this.inFlight.delete(key);
  }
}

function keyOf(session: McpSession, requestId: RequestId): string {
  return `${session.principal.subject}\u0000${typeof requestId}:${requestId}`;
}
