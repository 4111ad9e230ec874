import { Module } from '@nestjs/common';
import { OutboundScrubber } from './outbound-scrubber.js';

/** The one OutboundScrubber; import this module wherever text leaves the process. */
@Module({ providers: [OutboundScrubber], exports: [OutboundScrubber] })
export class ScrubberModule {}
