import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '#config';
import { ToolError } from '#tool-contract';
import { InFlightCalls } from './in-flight-calls.service.js';
import { LifecycleService } from './lifecycle.service.js';

/** Closes a transport's long-lived connections once no call is running (WebSocket: close code 1001). */
export type ConnectionCloser = () => Promise<void>;

/**
 * The drain sequence run on SIGTERM/SIGINT, before the application is closed:
 * readiness turns 503 and new sessions and calls are refused at once; running calls get up to
 * SHUTDOWN_GRACE_MS to finish; the rest are aborted (their signals fire, cancelling upstream
 * work) and answered with a clear error; then transports close their connections.
 */
@Injectable()
export class GracefulShutdown {
  private readonly logger = new Logger(GracefulShutdown.name);
  private readonly closers: ConnectionCloser[] = [];
  private draining?: Promise<void>;

  constructor(
    private readonly config: AppConfig,
    private readonly lifecycle: LifecycleService,
    private readonly calls: InFlightCalls,
  ) {}

  onConnectionsClose(closer: ConnectionCloser): void {
    this.closers.push(closer);
  }

  /** Idempotent: a second signal joins the drain already under way. */
  drain(): Promise<void> {
    this.draining ??= this.runDrain();
    return this.draining;
  }

  private async runDrain(): Promise<void> {
    const graceMs = this.config.limits.shutdownGraceMs;
    this.lifecycle.beginDrain();
    this.logger.log(`Draining: ${this.calls.count} tool call(s) in flight, up to ${graceMs} ms to finish`);
    if (!(await this.calls.waitUntilIdle(graceMs))) {
      const reason = new ToolError(
        'unavailable',
        `The server shut down before this tool call finished (grace period of ${graceMs} ms elapsed); retry it`,
      );
      const aborted = this.calls.abortAll(reason);
      this.logger.warn(`Grace period elapsed: aborted ${aborted} tool call(s) still running`);
    }
    // Replies are written a few microtasks after a call settles; let them reach the sockets
    // before the connections are closed behind them.
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all(this.closers.map((close) => close()));
    this.logger.log('Drained: no tool call running, connections closed');
  }
}
