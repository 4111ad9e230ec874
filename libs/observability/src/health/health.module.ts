import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LifecycleModule } from '../lifecycle/lifecycle.module.js';
import { ScrubberModule } from '../logging/scrubber.module.js';
import { DependencyHealthModule } from './dependency-health.module.js';
import { HealthController } from './health.controller.js';
import { ServerPhaseIndicator } from './server-phase.indicator.js';

/** `/health` (liveness) and `/ready` (readiness: Terminus runs the server-phase indicator; upstream states come from the dependency registry). */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), LifecycleModule, DependencyHealthModule, ScrubberModule],
  controllers: [HealthController],
  providers: [ServerPhaseIndicator],
})
export class HealthModule {}
