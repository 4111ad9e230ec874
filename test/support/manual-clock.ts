import { type DynamicModule, Global, Module } from '@nestjs/common';
import { BREAKER_CLOCK } from '#xdp';

/** A clock that moves only when the test says so: waits for a cooldown take no wall time. */
export class ManualClock {
  constructor(private current = 0) {}

  readonly now = (): number => this.current;

  advance(ms: number): void {
    this.current += ms;
  }
}

/**
 * Hands the app under test a manual clock for the XDP circuit breaker's cooldown. Global only
 * because XdpModule, which injects BREAKER_CLOCK, is not ours to import into.
 */
@Global()
@Module({})
export class BreakerClockModule {
  static using(clock: ManualClock): DynamicModule {
    return { module: BreakerClockModule, providers: [{ provide: BREAKER_CLOCK, useValue: clock.now }], exports: [BREAKER_CLOCK] };
  }
}
