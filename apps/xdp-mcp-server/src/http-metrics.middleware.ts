import type { MetricsService } from '#observability';
import type { NextFunction, Request, Response } from 'express';

/** Records every HTTP request's duration by method, matched route and status. */
export function httpMetricsMiddleware(metrics: MetricsService) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const started = performance.now();
    response.once('finish', () => {
      const route = (request.route as { path?: string } | undefined)?.path;
      const path = route ? `${request.baseUrl}${route}` : 'unmatched';
      metrics.recordHttpRequest(request.method, path, response.statusCode, (performance.now() - started) / 1000);
    });
    next();
  };
}
