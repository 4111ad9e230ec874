import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { LifecycleService } from '../lifecycle/lifecycle.service.js';

/** Readiness of this process: up only in the `ready` phase (not while starting or draining). */
@Injectable()
export class ServerPhaseIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly lifecycle: LifecycleService,
  ) {}

  check(key: string): HealthIndicatorResult {
    const phase = this.lifecycle.phase;
    const session = this.indicator.check(key);
    return phase === 'ready' ? session.up({ phase }) : session.down({ phase });
  }
}
