import { Controller, Get, HttpCode, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { Response } from 'express';
import { LifecycleService } from '../lifecycle/lifecycle.service.js';
import { DependencyHealthRegistry } from './dependency-health.registry.js';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly lifecycle: LifecycleService,
    private readonly dependencies: DependencyHealthRegistry,
  ) {}

  @Get('health')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers. Makes no upstream calls.' })
  liveness() {
    return this.health.check([]);
  }

  @Get('ready')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Readiness: 503 while starting or draining. Upstream states are reported from cached background checks and never make the server unready.',
  })
  @ApiOkResponse({ description: 'Ready; `dependencies` lists upstream states (up, down, disabled, unknown).' })
  @ApiServiceUnavailableResponse({ description: 'Starting or draining.' })
  readiness(@Res({ passthrough: true }) response: Response) {
    const phase = this.lifecycle.phase;
    const server: HealthIndicatorResult = { server: { status: phase === 'ready' ? 'up' : 'down', phase } };
    if (phase !== 'ready') response.status(HttpStatus.SERVICE_UNAVAILABLE);
    return {
      status: phase === 'ready' ? 'ok' : 'error',
      info: phase === 'ready' ? server : {},
      error: phase === 'ready' ? {} : server,
      dependencies: this.dependencies.snapshot(),
    };
  }
}
