import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { LifecycleModule, MetricsModule, ScrubberModule } from '#observability';
import { SecurityModule } from '#security';
import { ToolRegistryService } from './tool-registry.service.js';

/**
 * Provides ToolRegistryService. Discovery scans every module of the application, so a
 * `@ToolProvider()` is found wherever it is declared; its module need not be imported here.
 */
@Module({
  imports: [DiscoveryModule, MetricsModule, LifecycleModule, SecurityModule, ScrubberModule],
  providers: [ToolRegistryService],
  exports: [ToolRegistryService],
})
export class ToolRegistryModule {}
