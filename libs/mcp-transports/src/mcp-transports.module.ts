import { type DynamicModule, Module } from '@nestjs/common';
import { LifecycleModule, MetricsModule } from '#observability';
import { SecurityModule } from '#security';
import { ToolRegistryModule } from '#tool-registry';
import { McpHttpController } from './http/mcp-http.controller.js';
import { MCP_SERVER_INFO, McpServerFactory } from './mcp-server.factory.js';
import { StdioRunner } from './stdio/stdio.runner.js';
import { McpGateway } from './ws/mcp.gateway.js';

export interface McpTransportsOptions {
  /** Announced as `serverInfo.version` in every initialize result. */
  serverVersion: string;
}

/** Serves the tool registry over MCP: WebSocket (/ws), Streamable HTTP (/mcp) and stdio. */
@Module({})
export class McpTransportsModule {
  static forRoot(options: McpTransportsOptions): DynamicModule {
    return {
      module: McpTransportsModule,
      imports: [ToolRegistryModule, SecurityModule, MetricsModule, LifecycleModule],
      controllers: [McpHttpController],
      providers: [
        { provide: MCP_SERVER_INFO, useValue: { name: 'xdp-mcp-server', version: options.serverVersion } },
        McpServerFactory,
        McpGateway,
        StdioRunner,
      ],
      exports: [McpServerFactory, StdioRunner],
    };
  }
}
