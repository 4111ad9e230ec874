import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { AppConfig } from '#config';
import { DependencyHealthModule, MetricsModule } from '#observability';
import { XdpClient } from './client/xdp.client.js';
import { xdpHttpOptions } from './client/xdp-http.options.js';
import { XdpHealthMonitor } from './health/xdp-health.monitor.js';
import { XdpToolsProvider } from './tools/xdp-tools.provider.js';

/**
 * XDP capability: the client (exported for the query engine), the XDP tools, and the
 * background connection check shown in /ready.
 */
@Module({
  imports: [
    MetricsModule,
    DependencyHealthModule,
    HttpModule.registerAsync({ inject: [AppConfig], useFactory: (config: AppConfig) => xdpHttpOptions(config.xdp) }),
  ],
  providers: [XdpClient, XdpToolsProvider, XdpHealthMonitor],
  exports: [XdpClient],
})
export class XdpModule {}
