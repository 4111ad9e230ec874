import { Injectable } from '@nestjs/common';
import { AppConfig } from '#config';

/**
 * Caps open WebSocket connections per client key (WS_MAX_CONNECTIONS_PER_CLIENT), checked at the
 * upgrade so one caller cannot exhaust sockets and memory for everyone else.
 */
@Injectable()
export class ConnectionLimiter {
  readonly max: number;
  private readonly open = new Map<string, number>();

  constructor(config: AppConfig) {
    this.max = config.auth.wsMaxConnectionsPerClient;
  }

  /** A release function (idempotent) when the connection may open, undefined when the key is at its cap. */
  tryAcquire(key: string): (() => void) | undefined {
    const count = this.open.get(key) ?? 0;
    if (this.max > 0 && count >= this.max) return undefined;
    this.open.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const remaining = (this.open.get(key) ?? 1) - 1;
      if (remaining > 0) this.open.set(key, remaining);
      else this.open.delete(key);
    };
  }
}
