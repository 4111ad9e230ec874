import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ToolRegistryService } from './tool-registry.service.js';

/** Provides ToolRegistryService, which discovers every `@ToolProvider()` in the application. */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [ToolRegistryService],
  exports: [ToolRegistryService],
})
export class ToolRegistryModule {}
