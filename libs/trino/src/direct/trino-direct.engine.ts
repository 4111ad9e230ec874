import type { OnModuleDestroy } from '@nestjs/common';
import type { EngineHealth, ExecuteOptions, QueryEngine, QueryRequest, QueryResult } from '../engine/query-engine.js';
import { TRINO_METADATA } from '../metadata/metadata-queries.js';
import { TrinoRestClient, type TrinoClientOptions } from './trino-rest.client.js';

const HEALTH_TIMEOUT_MS = 5000;

/**
 * A Trino coordinator reached directly over its REST protocol (TRINO_URL). Built by Nest (the
 * DIRECT_TRINO_ENGINE provider), which closes its connections when the module is destroyed.
 */
export class DirectTrinoEngine implements QueryEngine, OnModuleDestroy {
  readonly kind = 'trino' as const;
  readonly metadata = TRINO_METADATA;
  private readonly client: TrinoRestClient;

  constructor(options: TrinoClientOptions) {
    this.client = new TrinoRestClient(options);
  }

  execute(request: QueryRequest, options: ExecuteOptions): Promise<QueryResult> {
    return this.client.execute(request, options);
  }

  onModuleDestroy(): Promise<void> {
    return this.client.close();
  }

  /** `GET /v1/info` costs the coordinator nothing, unlike running a query. */
  async checkHealth(): Promise<EngineHealth> {
    const started = performance.now();
    const checkedAt = new Date().toISOString();
    try {
      const info = await this.client.info(HEALTH_TIMEOUT_MS);
      const latencyMs = Math.round(performance.now() - started);
      if (info.starting) return { status: 'down', checkedAt, latencyMs, message: 'Trino is starting' };
      return { status: 'up', checkedAt, latencyMs, message: info.version ? `Trino ${info.version}` : undefined };
    } catch (error) {
      return { status: 'down', checkedAt, message: error instanceof Error ? error.message : String(error) };
    }
  }
}
