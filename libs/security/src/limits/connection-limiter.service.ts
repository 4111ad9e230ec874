import { randomUUID } from 'node:crypto';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '#config';
import { SharedLimitStore } from './shared-limit-store.service.js';

/** The answer to a connection attempt: a release function (idempotent) or why it was refused. */
export type ConnectionAdmission = { admitted: true; release: () => void } | { admitted: false; status: 429 | 503; message: string };

/** A slot held in Redis lives this long unless renewed, so a replica that dies frees its slots by then. */
export const CONNECTION_LEASE_MS = 60_000;

const NOTHING_TO_RELEASE = (): void => undefined;

/**
 * Caps open WebSocket connections per client key (WS_MAX_CONNECTIONS_PER_CLIENT), checked at the
 * upgrade so one caller cannot exhaust sockets and memory for everyone else. With a shared store
 * (REDIS_URL) the cap counts the key's connections on every replica: each connection holds a slot
 * in Redis whose lease this replica renews while it is open.
 */
@Injectable()
export class ConnectionLimiter implements OnModuleDestroy {
  readonly max: number;
  private readonly open = new Map<string, number>();
  /** Shared mode: the slots this replica holds, by client key. */
  private readonly held = new Map<string, Set<string>>();
  private readonly replica = randomUUID();
  private nextSlot = 0;
  private renewal?: NodeJS.Timeout;

  constructor(
    config: AppConfig,
    private readonly store: SharedLimitStore,
  ) {
    this.max = config.auth.wsMaxConnectionsPerClient;
  }

  async acquire(key: string): Promise<ConnectionAdmission> {
    if (this.store.enabled && this.max > 0) return this.acquireShared(key);
    const release = this.acquireLocal(key);
    return release ? { admitted: true, release } : this.atCap();
  }

  onModuleDestroy(): void {
    clearInterval(this.renewal);
  }

  private acquireLocal(key: string): (() => void) | undefined {
    const count = this.open.get(key) ?? 0;
    if (this.max > 0 && count >= this.max) return undefined;
    this.open.set(key, count + 1);
    return once(() => {
      const remaining = (this.open.get(key) ?? 1) - 1;
      if (remaining > 0) this.open.set(key, remaining);
      else this.open.delete(key);
    });
  }

  private async acquireShared(key: string): Promise<ConnectionAdmission> {
    const slot = `${this.replica}:${++this.nextSlot}`;
    const taken = await this.store.acquireSlot(key, slot, this.max, CONNECTION_LEASE_MS);
    if (taken === false) return this.atCap();
    if (taken === undefined) {
      if (this.store.onError === 'open') return { admitted: true, release: NOTHING_TO_RELEASE };
      return {
        admitted: false,
        status: 503,
        message: 'Connection limit store unavailable; retry shortly (RATE_LIMIT_ON_STORE_ERROR=closed)',
      };
    }
    this.hold(key, slot);
    return {
      admitted: true,
      release: once(() => {
        this.unhold(key, slot);
        void this.store.releaseSlot(key, slot);
      }),
    };
  }

  private atCap(): ConnectionAdmission {
    return {
      admitted: false,
      status: 429,
      message: `Too many open connections for this client (WS_MAX_CONNECTIONS_PER_CLIENT=${this.max})`,
    };
  }

  private hold(key: string, slot: string): void {
    const slots = this.held.get(key) ?? new Set<string>();
    slots.add(slot);
    this.held.set(key, slots);
    this.renewal ??= setInterval(() => this.renew(), CONNECTION_LEASE_MS / 3).unref();
  }

  private unhold(key: string, slot: string): void {
    const slots = this.held.get(key);
    slots?.delete(slot);
    if (slots?.size === 0) this.held.delete(key);
  }

  /** Extends the leases of every open connection; also puts them back after Redis lost its data. */
  private renew(): void {
    for (const [key, slots] of this.held) void this.store.renewSlots(key, [...slots], CONNECTION_LEASE_MS);
  }
}

function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    action();
  };
}
