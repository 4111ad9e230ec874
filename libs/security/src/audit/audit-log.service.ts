import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '#config';
import type { ToolContext } from '#tool-contract';
import { sqlFingerprint } from './sql-fingerprint.js';

export interface ToolCallAudit {
  tool: string;
  context: Pick<ToolContext, 'principal' | 'transport' | 'audit'>;
  /** Registry outcome: success, tool_error, invalid_arguments, not_found, forbidden, busy. */
  outcome: string;
  /** The failure kind when the call did not succeed (e.g. upstream, timeout). */
  error?: string;
  durationMs: number;
  args: unknown;
}

/**
 * One `Audit` log line per tool call: who, over which transport, which tool, how it ended and how
 * long it took; for SQL tools also the user the upstream was told (`upstreamUser`), the dataplane
 * and the engine's query id, so a line here can be matched with the engine's query history. Argument values are never logged; a SQL `query` argument is represented by its
 * fingerprint so the same statement can be traced across calls.
 */
@Injectable()
export class AuditLog {
  private readonly logger = new Logger('Audit');
  private readonly enabled: boolean;

  constructor(config: AppConfig) {
    this.enabled = config.auth.auditLog;
  }

  toolCall({ tool, context, outcome, error, durationMs, args }: ToolCallAudit): void {
    if (!this.enabled) return;
    const query = typeof args === 'object' && args !== null ? (args as { query?: unknown }).query : undefined;
    const { upstreamUser, dataplane, queryId } = context.audit ?? {};
    // One object filled in place, keys in the order the line has always had: the conditional spreads
    // allocated a throwaway object per optional field on every call (a line per call is on the hot path).
    const line: Record<string, unknown> = { msg: 'tool call', principal: context.principal.subject };
    if (context.principal.user !== undefined) line.user = context.principal.user;
    line.transport = context.transport;
    // Unknown names come from the caller: bounded so a call cannot write an arbitrarily long line.
    line.tool = tool.length > 128 ? tool.slice(0, 128) : tool;
    line.outcome = outcome;
    if (error) line.error = error;
    line.durationMs = Math.round(durationMs * 10) / 10;
    if (typeof query === 'string') line.sqlFingerprint = sqlFingerprint(query);
    if (dataplane !== undefined) line.dataplane = dataplane;
    if (upstreamUser !== undefined) line.upstreamUser = upstreamUser;
    if (queryId !== undefined) line.queryId = queryId;
    this.logger.log(line);
  }
}
