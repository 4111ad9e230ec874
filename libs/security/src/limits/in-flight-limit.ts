/**
 * Counts the tool calls one MCP session has running (MAX_IN_FLIGHT_PER_SESSION); an excess
 * call is refused at once with a "busy" error instead of queueing without bound.
 */
export class InFlightLimit {
  private running = 0;

  /** `max` 0 = unlimited. */
  constructor(readonly max: number) {}

  tryAcquire(): boolean {
    if (this.max > 0 && this.running >= this.max) return false;
    this.running++;
    return true;
  }

  release(): void {
    if (this.running > 0) this.running--;
  }
}
