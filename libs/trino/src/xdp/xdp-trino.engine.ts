import { ToolError } from '#tool-contract';
import type { XdpClient, XdpQueryColumn } from '#xdp';
import type { CellValue, EngineHealth, ExecuteOptions, QueryEngine, QueryRequest, QueryResult } from '../engine/query-engine.js';
import { QueryDeadline } from '../engine/query-deadline.js';
import { RowCollector } from '../engine/row-budget.js';
import { TRINO_METADATA } from '../metadata/metadata-queries.js';

/**
 * Trino behind an XDP dataplane: `POST /query/execute`. XDP runs the query to completion and
 * answers once, so the row cap and byte budget are applied to the answer (whose size XdpClient
 * bounds by XDP_MAX_RESPONSE_BYTES); a caller's abort or the timeout aborts the HTTP request.
 * XdpClient already turns `error` / `result.error` into errors.
 */
export class XdpTrinoEngine implements QueryEngine {
  readonly kind = 'xdp' as const;
  readonly metadata = TRINO_METADATA;

  constructor(
    private readonly client: XdpClient,
    private readonly dataplaneId: string,
  ) {}

  async execute(request: QueryRequest, options: ExecuteOptions): Promise<QueryResult> {
    if (request.catalog !== undefined || request.schema !== undefined) {
      throw new ToolError(
        'invalid_arguments',
        'XDP dataplanes take no session catalog or schema; qualify table names as catalog.schema.table',
      );
    }
    const deadline = new QueryDeadline(options.signal, request.timeoutMs);
    const started = performance.now();
    try {
      options.onProgress?.({ state: 'SUBMITTED', rowsReceived: 0 });
      const execution = await this.client.executeQuery(
        { dataplane: this.dataplaneId, query: request.sql },
        { signal: deadline.signal, timeoutMs: request.timeoutMs },
      );
      const result = execution.result ?? {};
      const data = (result.data ?? []) as CellValue[][];
      const collector = new RowCollector(request.maxRows, request.maxBytes);
      for (const row of data) if (!collector.add(row)) break;
      const { rows, truncatedBy } = collector;
      // A non-null nextUri means XDP returned only part of the result; report it as truncated.
      const truncated = truncatedBy !== undefined || (typeof result.nextUri === 'string' && result.nextUri !== '');
      const stats = (result.stats ?? {}) as { state?: string; processedRows?: number; processedBytes?: number };
      options.onProgress?.({
        state: stats.state ?? result.state ?? 'FINISHED',
        processedRows: stats.processedRows,
        rowsReceived: rows.length,
      });
      return {
        queryId: execution.queryId ?? result.id ?? String(execution.id ?? ''),
        columns: (result.columns ?? []).map((column: XdpQueryColumn) => ({ name: column.name, type: column.type })),
        rows,
        truncated,
        truncatedBy,
        stats: {
          state: stats.state ?? result.state ?? 'FINISHED',
          elapsedMs: Math.round(performance.now() - started),
          processedRows: stats.processedRows,
          processedBytes: stats.processedBytes,
        },
      };
    } catch (error) {
      throw deadline.stopped ? deadline.error() : error;
    } finally {
      deadline.dispose();
    }
  }

  /** Health of XDP dataplanes is read from the cached dataplane list by the router. */
  async checkHealth(): Promise<EngineHealth> {
    return { status: 'unknown' };
  }
}
