import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { RATE_LIMITED_JSONRPC_CODE } from '#security';
import type { Request, Response } from 'express';
import { idOf, sendJsonRpcError } from './json-rpc-http.js';

const INTERNAL_ERROR = -32603;

/**
 * What the global guards refuse on /mcp (AuthGuard's 401/403/429/503, the rate limiter's 429) is
 * answered in JSON-RPC's error shape with the request's id, like every other /mcp error, instead of
 * the REST error body. The status and the headers the guards set (WWW-Authenticate, Retry-After) stay.
 */
@Catch()
export class McpHttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('McpHttp');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    if (response.headersSent) return;
    const id = idOf(http.getRequest<Request>().body);
    if (!(exception instanceof HttpException)) {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
      return sendJsonRpcError(response, HttpStatus.INTERNAL_SERVER_ERROR, 'Internal error', {}, id, INTERNAL_ERROR);
    }
    const status = exception.getStatus();
    const code = status === HttpStatus.TOO_MANY_REQUESTS ? RATE_LIMITED_JSONRPC_CODE : undefined;
    sendJsonRpcError(response, status, messageOf(exception), {}, id, code);
  }
}

function messageOf(exception: HttpException): string {
  const body = exception.getResponse() as string | { message?: string | string[] };
  if (typeof body === 'string') return body;
  return Array.isArray(body.message) ? body.message.join('; ') : (body.message ?? exception.message);
}
