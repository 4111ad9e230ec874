import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { isToolError } from '#tool-contract';

/**
 * The registry throws only for protocol-level problems (unknown tool, arguments that break the
 * schema). Those become JSON-RPC -32602 errors whose `data.fields` names each failing field; the
 * SDK v2 ProtocolError carries the bare message, so clients see no doubled "MCP error" prefix.
 * Anything else is rethrown untouched (the registry already turned handler failures into results).
 */
export function toProtocolError(error: unknown): unknown {
  if (!isToolError(error) || (error.kind !== 'not_found' && error.kind !== 'invalid_arguments')) return error;
  const fields = error.details.fields;
  return new ProtocolError(ProtocolErrorCode.InvalidParams, error.message, fields ? { fields } : undefined);
}
