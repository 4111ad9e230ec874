import { Module } from '@nestjs/common';
import { ApiController } from './api.controller.js';

/** REST entrance under /api; delegates to the global ToolRegistryService. */
@Module({ controllers: [ApiController] })
export class ApiModule {}
