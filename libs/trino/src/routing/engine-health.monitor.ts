import { Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DependencyHealthRegistry, type DependencyState } from '#observability';
import type { EngineHealth } from '../engine/query-engine.js';
import { DataplaneRouter } from './dataplane.router.js';

const CHECK_INTERVAL_MS = 30_000;
/**
 * The first round (which also opens and seeds the embedded DuckDB) waits until the server is
 * listening, so it does not compete with startup; a query arriving earlier opens it on demand.
 */
export const BACKGROUND_START_DELAY_MS = 1000;

/**
 * Checks the configured query engines (direct Trino, embedded DuckDB) in the background and shows
 * the cached outcome in /ready as `trino:<dataplane>`. A probe never triggers a check, and a down
 * engine never makes the server unready. XDP dataplanes are not probed here: XDP's own entry
 * covers them, and extra background calls would only add load on XDP.
 */
@Injectable()
export class EngineHealthMonitor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly states = new Map<string, DependencyState>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly router: DataplaneRouter,
    private readonly registry: DependencyHealthRegistry,
  ) {}

  onApplicationBootstrap(): void {
    for (const target of this.router.fixed.values()) this.track(`trino:${target.dataplane}`, { engine: target.engine.kind });
    this.timer = setTimeout(() => {
      void this.checkAll();
      this.timer = setInterval(() => void this.checkAll(), CHECK_INTERVAL_MS);
      this.timer.unref();
    }, BACKGROUND_START_DELAY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearTimeout(this.timer);
  }

  /** Runs one round of checks; resolves when all are recorded. */
  async checkAll(): Promise<void> {
    await Promise.all(
      [...this.router.fixed.values()].map(async (target) => {
        this.record(`trino:${target.dataplane}`, target.engine.kind, await target.engine.checkHealth());
      }),
    );
  }

  private track(name: string, details: Record<string, unknown>): void {
    this.states.set(name, { status: 'unknown', ...details });
    this.registry.register(name, () => this.states.get(name) ?? { status: 'unknown' });
  }

  private record(name: string, engine: string, health: EngineHealth): void {
    this.states.set(name, { engine, ...health });
  }
}
