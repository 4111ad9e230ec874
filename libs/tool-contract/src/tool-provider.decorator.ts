import { DiscoveryService } from '@nestjs/core';

/** Marks an injectable as a source of tools; the registry discovers it at bootstrap. */
export const ToolProvider = DiscoveryService.createDecorator<void>();
