import type { NextFunction, Request, Response } from 'express';

/** Deeper bodies are refused: recursive validators and transformers would overflow the stack (a 500). */
export const MAX_JSON_DEPTH = 64;

/**
 * Runs right after the JSON body parser. Bodies that failed to parse (or are too large) and bodies
 * nested deeper than MAX_JSON_DEPTH get a 400 in the entrance's own error shape: a JSON-RPC error
 * on the MCP endpoint, the REST error shape everywhere else.
 */
export function jsonBodyLimits(mcpPath: string) {
  const isMcp = (request: Request) => request.path === mcpPath || request.path === `${mcpPath}/`;
  const refuse = (request: Request, response: Response, status: number, rpcCode: number, message: string) => {
    if (isMcp(request)) response.status(status).json({ jsonrpc: '2.0', id: null, error: { code: rpcCode, message } });
    else response.status(status).json({ error: { status, code: status === 413 ? 'payload_too_large' : 'invalid_request', message } });
  };
  return {
    depth(request: Request, response: Response, next: NextFunction): void {
      if (nestingDepth(request.body) <= MAX_JSON_DEPTH) return next();
      refuse(request, response, 400, -32600, `Invalid Request: JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    },
    errors(error: { status?: number; type?: string; message?: string }, request: Request, response: Response, next: NextFunction): void {
      if (error.type === 'entity.parse.failed') return refuse(request, response, 400, -32700, `Parse error: ${error.message ?? 'the body is not valid JSON'}`);
      if (error.type === 'entity.too.large') return refuse(request, response, 413, -32600, 'Request body too large (HTTP_BODY_LIMIT_BYTES)');
      next(error);
    },
  };
}

/** Iterative, so measuring a hostile body cannot itself overflow the stack; stops once past the limit. */
function nestingDepth(value: unknown): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_JSON_DEPTH) return deepest;
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return deepest;
}
