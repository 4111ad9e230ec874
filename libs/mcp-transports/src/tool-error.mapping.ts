import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { isToolError } from '#tool-contract';

/**
 * A JSON-RPC error whose `message` is the bare text. The SDK's McpError bakes "MCP error <code>: "
 * into its message, the server sends that message as is, and every client's McpError adds the
 * prefix again ("MCP error -32602: MCP error -32602: Unknown tool ..."). Still an McpError.
 */
export class ProtocolError extends McpError {
  constructor(code: number, message: string, data?: unknown) {
    super(code, message, data);
    this.message = message;
  }
}

/**
 * The registry throws only for protocol-level problems (unknown tool, arguments that break the
 * schema). Those become JSON-RPC -32602 errors whose `data.fields` names each failing field;
 * anything else is rethrown untouched (the registry already turned handler failures into results).
 */
export function toProtocolError(error: unknown): unknown {
  if (!isToolError(error) || (error.kind !== 'not_found' && error.kind !== 'invalid_arguments')) return error;
  const fields = error.details.fields;
  return new ProtocolError(ErrorCode.InvalidParams, error.message, fields ? { fields } : undefined);
}
