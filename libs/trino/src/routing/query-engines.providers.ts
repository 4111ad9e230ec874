import { Injectable, type Provider } from '@nestjs/common';
import { AppConfig } from '#config';
import { XdpClient } from '#xdp';
import { DirectTrinoEngine } from '../direct/trino-direct.engine.js';
import { DuckDbEngine } from '../duckdb/duckdb.engine.js';
import { XdpTrinoEngine } from '../xdp/xdp-trino.engine.js';

/** The direct Trino engine, or `null` when TRINO_URL is not set. */
export const DIRECT_TRINO_ENGINE = Symbol('DIRECT_TRINO_ENGINE');
/** The embedded DuckDB engine, or `null` when XDP or Trino is configured. */
export const LOCAL_DUCKDB_ENGINE = Symbol('LOCAL_DUCKDB_ENGINE');

export function directTrinoEngine(config: AppConfig): DirectTrinoEngine | null {
  const { trino } = config;
  if (!trino.url) return null;
  return new DirectTrinoEngine({
    baseUrl: trino.url,
    user: trino.user,
    password: trino.password,
    jwt: trino.jwt,
    source: trino.source,
    catalog: trino.catalog,
    schema: trino.schema,
  });
}

/** The zero-configuration default; the DuckDB library itself loads on the engine's first query. */
export function localDuckDbEngine(config: AppConfig): DuckDbEngine | null {
  const { trino } = config;
  if (trino.url || config.xdp.enabled) return null;
  return new DuckDbEngine({
    path: trino.duckdbPath,
    catalog: trino.catalog,
    schema: trino.schema,
    threads: trino.duckdbThreads,
    maxConcurrentQueries: trino.duckdbMaxConcurrentQueries,
    maxQueuedQueries: trino.duckdbQueryQueueSize,
    memoryLimitMb: trino.duckdbMemoryLimitMb,
  });
}

/** XDP dataplanes are discovered at run time, so their engines are made on demand, one per listed dataplane. */
@Injectable()
export class XdpEngineFactory {
  constructor(private readonly xdp: XdpClient) {}

  forDataplane(id: string): XdpTrinoEngine {
    return new XdpTrinoEngine(this.xdp, id);
  }
}

/** Every engine the router can hand out; configuration decides which exist. */
export const queryEngineProviders: Provider[] = [
  { provide: DIRECT_TRINO_ENGINE, inject: [AppConfig], useFactory: directTrinoEngine },
  { provide: LOCAL_DUCKDB_ENGINE, inject: [AppConfig], useFactory: localDuckDbEngine },
  XdpEngineFactory,
];
