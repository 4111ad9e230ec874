import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LifecycleService } from '../lifecycle/lifecycle.service.js';
import { DependencyHealthRegistry } from './dependency-health.registry.js';
import { HealthController } from './health.controller.js';

/** `/health` (liveness) and `/ready` (readiness); exports the lifecycle and dependency registry. */
@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [LifecycleService, DependencyHealthRegistry],
  exports: [LifecycleService, DependencyHealthRegistry],
})
export class HealthModule {}
