import { Injectable } from '@nestjs/common';

export type LifecyclePhase = 'starting' | 'ready' | 'draining';

/**
 * The server's own state, which is all that readiness depends on: ready once listening,
 * draining from the first shutdown signal. Transports consult `acceptingWork` before
 * taking new connections or sessions.
 */
@Injectable()
export class LifecycleService {
  private currentPhase: LifecyclePhase = 'starting';

  get phase(): LifecyclePhase {
    return this.currentPhase;
  }

  get acceptingWork(): boolean {
    return this.currentPhase !== 'draining';
  }

  markReady(): void {
    if (this.currentPhase === 'starting') this.currentPhase = 'ready';
  }

  beginDrain(): void {
    this.currentPhase = 'draining';
  }
}
