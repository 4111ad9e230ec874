import { Module } from '@nestjs/common';
import { DependencyHealthModule, MetricsModule } from '#observability';
import { XdpModule } from '#xdp';
import { DataplaneRouter } from './routing/dataplane.router.js';
import { EngineHealthMonitor } from './routing/engine-health.monitor.js';
import { queryEngineProviders } from './routing/query-engines.providers.js';
import { TrinoQueryService } from './tools/trino-query.service.js';
import { TrinoToolsProvider } from './tools/trino-tools.provider.js';

/**
 * Governed SQL: the trino_* tools over XDP dataplanes, a direct Trino, or the embedded DuckDB
 * (the zero-configuration default), with engine health in /ready.
 */
@Module({
  imports: [XdpModule, MetricsModule, DependencyHealthModule],
  providers: [...queryEngineProviders, DataplaneRouter, EngineHealthMonitor, TrinoQueryService, TrinoToolsProvider],
})
export class TrinoModule {}
