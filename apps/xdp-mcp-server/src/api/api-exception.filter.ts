import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { isToolError, type FieldProblem } from '#tool-contract';
import type { Response } from 'express';
import { STATUS_BY_KIND } from './api-error.js';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

/** Turns every error escaping an HTTP handler into `{ error: { status, code, message, fields? } }`. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(ApiExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    const { status, code, message, fields } = this.describe(exception);
    response.status(status).json({ error: { status, code, message, ...(fields ? { fields } : {}) } });
  }

  private describe(exception: unknown): { status: number; code: string; message: string; fields?: FieldProblem[] } {
    if (isToolError(exception)) {
      return { status: STATUS_BY_KIND[exception.kind], code: exception.kind, message: exception.message, fields: exception.details.fields };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse() as string | { message?: string | string[]; fields?: FieldProblem[]; code?: string };
      const message =
        typeof body === 'string' ? body : Array.isArray(body.message) ? body.message.join('; ') : (body.message ?? exception.message);
      const code = (typeof body === 'object' && body.code) || CODE_BY_STATUS[status] || (status >= 500 ? 'internal' : 'error');
      return { status, code, message, fields: typeof body === 'object' ? body.fields : undefined };
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return { status: 500, code: 'internal', message: 'Internal server error' };
  }
}
