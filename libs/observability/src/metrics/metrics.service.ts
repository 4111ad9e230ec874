import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, register } from 'prom-client';

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export type ToolCallOutcome = 'success' | 'tool_error' | 'invalid_arguments' | 'not_found' | 'forbidden' | 'busy';
export type MessageDirection = 'in' | 'out';

/**
 * Reuses a metric already in the global registry: prom-client keeps one process-wide
 * registry, and tests boot several applications in one process.
 */
function metric<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

/** Every application metric, with typed recording methods so label sets stay consistent. */
@Injectable()
export class MetricsService {
  readonly toolCalls = metric(
    'xdp_mcp_tool_calls_total',
    () =>
      new Counter({
        name: 'xdp_mcp_tool_calls_total',
        help: 'Tool calls by tool, transport and outcome; failures also by error_class (user: the caller can fix it, server: an operator may have to)',
        labelNames: ['tool', 'transport', 'outcome', 'error_class'] as const,
      }),
  );

  readonly toolCallDuration = metric(
    'xdp_mcp_tool_call_duration_seconds',
    () =>
      new Histogram({
        name: 'xdp_mcp_tool_call_duration_seconds',
        help: 'Tool call duration in seconds',
        labelNames: ['tool'] as const,
        buckets: DURATION_BUCKETS,
      }),
  );

  readonly toolCallsInFlight = metric(
    'xdp_mcp_tool_calls_in_flight',
    () =>
      new Gauge({
        name: 'xdp_mcp_tool_calls_in_flight',
        help: 'Tool calls running now, across every transport (capped by MAX_IN_FLIGHT_CALLS)',
      }),
  );

  readonly toolCallsRefused = metric(
    'xdp_mcp_tool_calls_refused_total',
    () =>
      new Counter({
        name: 'xdp_mcp_tool_calls_refused_total',
        help: 'Tool calls refused as busy before running, by the cap that refused them (global, principal)',
        labelNames: ['limit'] as const,
      }),
  );

  readonly openSessions = metric(
    'xdp_mcp_open_sessions',
    () =>
      new Gauge({
        name: 'xdp_mcp_open_sessions',
        help: 'Open MCP sessions (WebSocket connections, stdio) by transport',
        labelNames: ['transport'] as const,
      }),
  );

  readonly messages = metric(
    'xdp_mcp_messages_total',
    () =>
      new Counter({
        name: 'xdp_mcp_messages_total',
        help: 'JSON-RPC messages by transport and direction',
        labelNames: ['transport', 'direction'] as const,
      }),
  );

  readonly httpDuration = metric(
    'http_request_duration_seconds',
    () =>
      new Histogram({
        name: 'http_request_duration_seconds',
        help: 'HTTP request duration in seconds by method, route and status',
        labelNames: ['method', 'route', 'status'] as const,
        buckets: DURATION_BUCKETS,
      }),
  );

  readonly upstreamRequests = metric(
    'xdp_mcp_upstream_requests_total',
    () =>
      new Counter({
        name: 'xdp_mcp_upstream_requests_total',
        help: 'Requests to upstream services by upstream, endpoint and status (or error class)',
        labelNames: ['upstream', 'endpoint', 'status'] as const,
      }),
  );

  readonly upstreamDuration = metric(
    'xdp_mcp_upstream_request_duration_seconds',
    () =>
      new Histogram({
        name: 'xdp_mcp_upstream_request_duration_seconds',
        help: 'Upstream request duration in seconds by upstream and endpoint',
        labelNames: ['upstream', 'endpoint'] as const,
        buckets: DURATION_BUCKETS,
      }),
  );

  readonly trinoQueries = metric(
    'xdp_mcp_trino_queries_total',
    () =>
      new Counter({
        name: 'xdp_mcp_trino_queries_total',
        help: 'SQL queries sent to a query engine by engine (duckdb, trino, xdp) and outcome (success or error kind)',
        labelNames: ['engine', 'outcome'] as const,
      }),
  );

  readonly trinoQueryDuration = metric(
    'xdp_mcp_trino_query_duration_seconds',
    () =>
      new Histogram({
        name: 'xdp_mcp_trino_query_duration_seconds',
        help: 'SQL query duration in seconds by engine',
        labelNames: ['engine'] as const,
        buckets: DURATION_BUCKETS,
      }),
  );

  readonly trinoRowsReturned = metric(
    'xdp_mcp_trino_rows_returned_total',
    () =>
      new Counter({
        name: 'xdp_mcp_trino_rows_returned_total',
        help: 'Result rows returned to callers by engine',
        labelNames: ['engine'] as const,
      }),
  );

  readonly trinoRejectedStatements = metric(
    'xdp_mcp_trino_rejected_statements_total',
    () =>
      new Counter({
        name: 'xdp_mcp_trino_rejected_statements_total',
        help: 'SQL statements refused by the guard before reaching an engine, by reason',
        labelNames: ['reason'] as const,
      }),
  );

  recordToolCall(tool: string, transport: string, outcome: ToolCallOutcome, seconds: number, errorClass?: 'user' | 'server'): void {
    this.toolCalls.inc(errorClass ? { tool, transport, outcome, error_class: errorClass } : { tool, transport, outcome });
    this.toolCallDuration.observe({ tool }, seconds);
  }

  recordMessage(transport: string, direction: MessageDirection): void {
    this.messages.inc({ transport, direction });
  }

  sessionOpened(transport: string): void {
    this.openSessions.inc({ transport });
  }

  sessionClosed(transport: string): void {
    this.openSessions.dec({ transport });
  }

  recordHttpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status: String(status) }, seconds);
  }

  recordUpstreamRequest(upstream: string, endpoint: string, status: string, seconds: number): void {
    this.upstreamRequests.inc({ upstream, endpoint, status });
    this.upstreamDuration.observe({ upstream, endpoint }, seconds);
  }

  recordTrinoQuery(engine: string, outcome: string, seconds: number, rows: number): void {
    this.trinoQueries.inc({ engine, outcome });
    this.trinoQueryDuration.observe({ engine }, seconds);
    if (rows > 0) this.trinoRowsReturned.inc({ engine }, rows);
  }

  recordRejectedStatement(reason: string): void {
    this.trinoRejectedStatements.inc({ reason });
  }
}
