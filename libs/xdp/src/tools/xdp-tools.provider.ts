import { Injectable } from '@nestjs/common';
import { AppConfig } from '#config';
import { type ToolDefinition, ToolProvider, type ToolSource } from '#tool-contract';
import { XdpClient } from '../client/xdp.client.js';
import { listDataplanesTool } from './list-dataplanes.tool.js';
import { listDatastoresTool } from './list-datastores.tool.js';

/** The XDP tools; none when XDP is not configured, so clients never see tools that cannot work. */
@ToolProvider()
@Injectable()
export class XdpToolsProvider implements ToolSource {
  constructor(
    private readonly config: AppConfig,
    private readonly client: XdpClient,
  ) {}

  tools(): ToolDefinition<any, any>[] {
    if (!this.config.xdp.enabled) return [];
    return [listDatastoresTool(this.client), listDataplanesTool(this.client)];
  }
}
