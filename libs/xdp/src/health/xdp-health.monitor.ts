import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig, type XdpConfig } from '#config';
import { DependencyHealthRegistry, type DependencyState } from '#observability';
import { isToolError } from '#tool-contract';
import { XdpClient } from '../client/xdp.client.js';
import { isXdpRequestError } from '../client/xdp.errors.js';

/** A connection check never holds a timer slot longer than this, whatever XDP_TIMEOUT_MS says. */
const CHECK_TIMEOUT_CAP_MS = 10_000;

/**
 * Keeps a cached, classified view of XDP for /ready: checked at startup and then every
 * XDP_HEALTH_INTERVAL_MS in the background, never per probe. XDP being down is reported, not
 * gated on — unready pods would turn a clear tool error into refused connections.
 */
@Injectable()
export class XdpHealthMonitor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(XdpHealthMonitor.name);
  private readonly settings: XdpConfig;
  private state: DependencyState;
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;
  private readonly stopping = new AbortController();

  constructor(
    config: AppConfig,
    private readonly client: XdpClient,
    registry: DependencyHealthRegistry,
  ) {
    this.settings = config.xdp;
    this.state = this.settings.enabled
      ? { status: 'unknown', message: 'first connection check pending' }
      : { status: 'disabled', message: 'XDP_BASE_URL is not set' };
    registry.register('xdp', () => (this.settings.enabled ? { ...this.state, breaker: this.client.breakerSnapshot().state } : this.state));
  }

  onApplicationBootstrap(): void {
    if (!this.settings.enabled) return;
    void this.check();
    this.timer = setInterval(() => void this.check(), this.settings.healthIntervalMs);
    // A background check must never keep the process alive.
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.stopping.abort();
  }

  /** Runs one check unless one is already running; resolves when the state is updated. */
  check(): Promise<void> {
    this.inFlight ??= this.runCheck().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async runCheck(): Promise<void> {
    const started = performance.now();
    const checkedAt = new Date().toISOString();
    try {
      await this.client.checkConnection({
        signal: this.stopping.signal,
        timeoutMs: Math.min(this.settings.timeoutMs, CHECK_TIMEOUT_CAP_MS),
      });
      if (this.state.status !== 'up') this.logger.log('XDP is reachable and accepted the credentials');
      this.state = { status: 'up', checkedAt, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      if (this.stopping.signal.aborted) return;
      const reason = isXdpRequestError(error) ? error.reason : 'internal';
      const message = isToolError(error) ? error.message : 'connection check failed unexpectedly';
      if (this.state.status !== 'down' || this.state.reason !== reason) this.logger.warn(`XDP connection check failed: ${message}`);
      this.state = { status: 'down', checkedAt, latencyMs: Math.round(performance.now() - started), reason, message };
    }
  }
}
