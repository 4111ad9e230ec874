import type { WebSocket } from 'ws';

/** The two counters of ws 8's Receiver that measure an unfinished incoming message. */
interface ReceiverCounters {
  /** Bytes read from the socket and not parsed into a frame yet (an incomplete frame). */
  _bufferedBytes?: number;
  /** Payload bytes of the fragments received so far of a message whose last fragment has not come. */
  _messageLength?: number;
}

/**
 * Bytes the ws receiver holds for an incoming message that is not complete yet. ws exposes no
 * public measure of this, so its receiver's counters are read (pinned by a spec against the real
 * library: if an upgrade renames them, that spec fails instead of the limit silently reading 0).
 */
export function heldBytes(socket: WebSocket): number {
  const receiver = (socket as unknown as { _receiver?: ReceiverCounters | null })._receiver;
  return (receiver?._bufferedBytes ?? 0) + (receiver?._messageLength ?? 0);
}
