import type { InFlightLimit } from '#security';
import type { Principal, TransportKind } from '#tool-contract';

/**
 * Who a Server instance is serving right now. A WebSocket or stdio Server keeps one for its
 * whole life; a pooled /mcp Server gets a new principal each time it is leased to a request.
 */
export interface McpSession {
  readonly transport: TransportKind;
  principal: Principal;
  /** Caps the tool calls this session runs at once (MAX_IN_FLIGHT_PER_SESSION); long-lived sessions only. */
  readonly inFlight?: InFlightLimit;
}
