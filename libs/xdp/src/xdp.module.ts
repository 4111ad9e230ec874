import { Module } from '@nestjs/common';
import { DependencyHealthModule, MetricsModule } from '#observability';
import { XdpClient } from './client/xdp.client.js';
import { XdpHttpPool } from './client/xdp-http.pool.js';
import { XdpHealthMonitor } from './health/xdp-health.monitor.js';
import { XdpToolsProvider } from './tools/xdp-tools.provider.js';

/**
 * XDP capability: the connection pool (closed with the module), the client (exported for the
 * query engine), the XDP tools, and the background connection check shown in /ready.
 */
@Module({
  imports: [MetricsModule, DependencyHealthModule],
  providers: [XdpHttpPool, XdpClient, XdpToolsProvider, XdpHealthMonitor],
  exports: [XdpClient],
})
export class XdpModule {}
