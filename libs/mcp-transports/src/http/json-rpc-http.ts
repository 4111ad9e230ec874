import type { Response } from 'express';

/** The id of a single request, so the client can match an error to it (null for batches and notifications). */
export function idOf(body: unknown): string | number | null {
  const id = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { id?: unknown }).id : undefined;
  return typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id)) ? id : null;
}

/** An HTTP error status with a JSON-RPC error body, the shape every MCP client parses. */
export function sendJsonRpcError(
  response: Response,
  status: number,
  message: string,
  headers: Record<string, string>,
  id: string | number | null,
  code = -32000,
): void {
  response.status(status).set(headers).json({ jsonrpc: '2.0', error: { code, message }, id });
}
