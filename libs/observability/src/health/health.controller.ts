import { Controller, Get, HttpCode, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { Response } from 'express';
import { LifecycleService } from '../lifecycle/lifecycle.service.js';
import { OutboundScrubber } from '../logging/outbound-scrubber.js';
import { boundedText, type Scrub } from '../logging/secret-scrubber.js';
import { DependencyHealthRegistry, type DependencyState } from './dependency-health.registry.js';

/** /ready is unauthenticated: an upstream's message or version string is shown short and scrubbed. */
const MAX_DETAIL_CHARS = 200;

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly lifecycle: LifecycleService,
    private readonly dependencies: DependencyHealthRegistry,
    private readonly scrubber: OutboundScrubber,
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
      dependencies: safeDependencies(this.dependencies.snapshot(), this.scrubber.scrub),
    };
  }
}

/** Every string an upstream may have put in its state (messages, versions) passes the scrubber and a bound. */
function safeDependencies(snapshot: Record<string, DependencyState>, scrub: Scrub): Record<string, DependencyState> {
  return Object.fromEntries(Object.entries(snapshot).map(([name, state]) => [name, safeValue(state, scrub) as DependencyState]));
}

function safeValue(value: unknown, scrub: Scrub): unknown {
  if (typeof value === 'string') return boundedText(scrub, value, MAX_DETAIL_CHARS);
  if (Array.isArray(value)) return value.map((item) => safeValue(item, scrub));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, safeValue(item, scrub)]));
}
