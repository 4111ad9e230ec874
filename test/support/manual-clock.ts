import { type DynamicModule, Global, Module } from '@nestjs/common';

/** A clock that moves only when the test says so: waiting out a cooldown or a timeout takes no wall time. */
export class ManualClock {
  constructor(private current = 0) {}

  readonly now = (): number => this.current;

  advance(ms: number): void {
    this.current += ms;
  }
}

/**
 * Hands the app under test a manual clock under each of the given provider tokens (BREAKER_CLOCK,
 * LIMITS_CLOCK). Global only because the modules that inject those tokens are not ours to import into.
 */
@Global()
@Module({})
export class ManualClockModule {
  static providing(clock: ManualClock, ...tokens: symbol[]): DynamicModule {
    return { module: ManualClockModule, providers: tokens.map((token) => ({ provide: token, useValue: clock.now })), exports: tokens };
  }
}
