import { Injectable } from '@nestjs/common';

export type DependencyStatus = 'up' | 'down' | 'disabled' | 'unknown';

/** A cached view of one upstream, refreshed in the background by its owner — never by a probe. */
export interface DependencyState {
  status: DependencyStatus;
  checkedAt?: string;
  latencyMs?: number;
  message?: string;
  [detail: string]: unknown;
}

/** Upstream owners (XDP, Trino engines) register a reader of their cached state here. */
@Injectable()
export class DependencyHealthRegistry {
  private readonly readers = new Map<string, () => DependencyState>();

  register(name: string, read: () => DependencyState): void {
    this.readers.set(name, read);
  }

  snapshot(): Record<string, DependencyState> {
    return Object.fromEntries([...this.readers].map(([name, read]) => [name, read()]));
  }
}
