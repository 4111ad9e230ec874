import type { InFlightLimit } from '#security';
import type { Principal, TransportKind } from '#tool-contract';

/** Who a Server instance serves: one WebSocket connection, the stdio peer, or one /mcp request. */
export interface McpSession {
  readonly transport: TransportKind;
  readonly principal: Principal;
  /** Caps the tool calls this session runs at once (MAX_IN_FLIGHT_PER_SESSION); long-lived sessions only. */
  readonly inFlight?: InFlightLimit;
}
