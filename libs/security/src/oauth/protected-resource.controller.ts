import { Controller, Get, NotFoundException, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../auth/public.decorator.js';
import { ProtectedResource } from './protected-resource.js';

/** Serves RFC 9728 metadata at the root well-known path and at its /mcp-suffixed form. */
@ApiExcludeController()
@Public()
@Controller('.well-known/oauth-protected-resource')
export class ProtectedResourceController {
  constructor(private readonly resource: ProtectedResource) {}

  @Get()
  root(@Req() request: Request) {
    return this.metadata(request);
  }

  @Get('*path')
  forPath(@Req() request: Request) {
    return this.metadata(request);
  }

  private metadata(request: Request) {
    if (!this.resource.published) throw new NotFoundException('No OAuth protected-resource metadata: JWT authentication is not configured');
    return this.resource.document(request.headers);
  }
}
