import type { IncomingMessage } from 'node:http';
import { type JsonLimit, jsonLimitExceeded, jsonLimitMessage } from '#security';
import { json, type NextFunction, type Request, type Response } from 'express';

const OVER_JSON_LIMIT = 'entity.json.limit';

/**
 * The JSON body parser and its limits. The shape check runs inside the parser on the raw bytes,
 * before JSON.parse: bodies nested deeper than MAX_JSON_DEPTH or holding more than MAX_JSON_VALUES
 * values are refused without being parsed (a 1 MB body of brackets costs JSON.parse a quarter
 * second of event loop; 60,000 argument keys cost the schema checks as much again). `errors` (registered right after `parser`) answers parse failures, oversize and over-deep bodies with a 400/413 in the
 * entrance's own error shape: a JSON-RPC error on the MCP endpoint (any case, trailing slash —
 * as routing matches it), the REST error shape everywhere else.
 */
export function jsonBodyLimits(mcpPath: string, limitBytes: number) {
  const mcp = mcpPath.toLowerCase();
  const isMcp = (request: Request) => request.path.replace(/\/+$/, '').toLowerCase() === mcp;
  const refuse = (request: Request, response: Response, status: number, rpcCode: number, message: string) => {
    if (isMcp(request)) response.status(status).json({ jsonrpc: '2.0', id: null, error: { code: rpcCode, message } });
    else response.status(status).json({ error: { status, code: status === 413 ? 'payload_too_large' : 'invalid_request', message } });
  };
  return {
    parser: json({
      limit: limitBytes,
      verify(_request: IncomingMessage, _response: unknown, body: Buffer): void {
        const limit = jsonLimitExceeded(body);
        if (limit) throw Object.assign(new Error(jsonLimitMessage(limit)), { type: OVER_JSON_LIMIT, limit });
      },
    }),
    errors(
      error: { status?: number; type?: string; message?: string; limit?: JsonLimit },
      request: Request,
      response: Response,
      next: NextFunction,
    ): void {
      if (error.type === OVER_JSON_LIMIT && error.limit) return refuse(request, response, 400, -32600, jsonLimitMessage(error.limit));
      if (error.type === 'entity.parse.failed')
        return refuse(request, response, 400, -32700, `Parse error: ${error.message ?? 'the body is not valid JSON'}`);
      if (error.type === 'entity.too.large')
        return refuse(request, response, 413, -32600, 'Request body too large (HTTP_BODY_LIMIT_BYTES)');
      next(error);
    },
  };
}
