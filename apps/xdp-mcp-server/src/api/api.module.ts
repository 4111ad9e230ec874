import { Module } from '@nestjs/common';
import { ToolRegistryModule } from '#tool-registry';
import { ApiController } from './api.controller.js';

/** REST entrance under /api; delegates to ToolRegistryService. */
@Module({ imports: [ToolRegistryModule], controllers: [ApiController] })
export class ApiModule {}
