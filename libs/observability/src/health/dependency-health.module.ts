import { Module } from '@nestjs/common';
import { DependencyHealthRegistry } from './dependency-health.registry.js';

/** The registry upstream monitors report into and `/ready` reads; imported by both sides. */
@Module({ providers: [DependencyHealthRegistry], exports: [DependencyHealthRegistry] })
export class DependencyHealthModule {}
