import type { ToolErrorKind } from '#tool-contract';

/** The MCP `CallToolResult` every transport returns, built in exactly one place. */
export interface ToolCallResult {
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  [key: string]: unknown;
}

export interface ToolCallOutcome {
  result: ToolCallResult;
  /** Present when `result.isError`: lets REST pick an HTTP status. */
  failure?: { kind: ToolErrorKind; message: string };
}
