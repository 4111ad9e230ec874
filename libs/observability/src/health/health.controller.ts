import { Controller, Get, HttpCode, HttpStatus, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, type HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import type { Response } from 'express';
import { OutboundScrubber } from '../logging/outbound-scrubber.js';
import { boundedText, type Scrub } from '../logging/secret-scrubber.js';
import { DependencyHealthRegistry, type DependencyState } from './dependency-health.registry.js';
import { ServerPhaseIndicator } from './server-phase.indicator.js';

/** /ready is unauthenticated: an upstream's message or version string is shown short and scrubbed. */
const MAX_DETAIL_CHARS = 200;

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly serverPhase: ServerPhaseIndicator,
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
    summary:
      'Readiness: 503 while starting or draining. Upstream states are reported from cached background checks and never make the server unready.',
  })
  @ApiOkResponse({ description: 'Ready; `dependencies` lists upstream states (up, down, disabled, unknown).' })
  @ApiServiceUnavailableResponse({ description: 'Starting or draining.' })
  async readiness(
    @Res({ passthrough: true }) response: Response,
  ): Promise<HealthCheckResult & { dependencies: Record<string, DependencyState> }> {
    // Upstreams are reported beside the Terminus result, not as its indicators: they never make the server unready.
    const dependencies = safeDependencies(this.dependencies.snapshot(), this.scrubber.scrub);
    try {
      return { ...(await this.health.check([() => this.serverPhase.check('server')])), dependencies };
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(HttpStatus.SERVICE_UNAVAILABLE);
      return { ...(error.getResponse() as HealthCheckResult), dependencies };
    }
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
