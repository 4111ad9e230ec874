import { Injectable } from '@nestjs/common';
import { AppConfig } from '#config';
import { createSecretScrubber, type Scrub } from './secret-scrubber.js';

/**
 * The application's one scrubber, built once from the configured secrets and internal upstream
 * addresses. Everything that leaves the process passes it: log lines, tool errors (every
 * transport), /ready, and upstream messages at their source.
 */
@Injectable()
export class OutboundScrubber {
  readonly scrub: Scrub;

  constructor(config: AppConfig) {
    this.scrub = createSecretScrubber({ secrets: config.secretValues, internalEndpoints: config.internalEndpoints });
  }
}
