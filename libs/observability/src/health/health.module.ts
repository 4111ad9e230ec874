import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LifecycleModule } from '../lifecycle/lifecycle.module.js';
import { ScrubberModule } from '../logging/scrubber.module.js';
import { DependencyHealthModule } from './dependency-health.module.js';
import { HealthController } from './health.controller.js';

/** `/health` (liveness) and `/ready` (readiness, from the lifecycle and the dependency registry). */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), LifecycleModule, DependencyHealthModule, ScrubberModule],
  controllers: [HealthController],
})
export class HealthModule {}
