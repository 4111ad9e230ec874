import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LifecycleModule } from '../lifecycle/lifecycle.module.js';
import { DependencyHealthRegistry } from './dependency-health.registry.js';
import { HealthController } from './health.controller.js';

/** `/health` (liveness) and `/ready` (readiness); exports the dependency registry and (via LifecycleModule) the lifecycle. */
@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), LifecycleModule],
  controllers: [HealthController],
  providers: [DependencyHealthRegistry],
  exports: [LifecycleModule, DependencyHealthRegistry],
})
export class HealthModule {}
