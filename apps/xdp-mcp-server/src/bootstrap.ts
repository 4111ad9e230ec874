import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AppConfig } from '#config';
import { MCP_HTTP_PATH, McpWsAdapter } from '#mcp-transports';
import { LifecycleService, MetricsService } from '#observability';
import { applyHttpSecurity } from '#security';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module.js';
import { httpMetricsMiddleware } from './http-metrics.middleware.js';
import { jsonBodyLimits } from './json-body.middleware.js';
import { setupSwagger } from './swagger.js';
import { VERSION } from './version.js';

export interface HttpServerOptions extends Omit<AppModuleOptions, 'config'> {
  /** Overrides config.server.port (tests use 0). */
  port?: number;
  host?: string;
}

export interface RunningServer {
  app: INestApplication;
  /** `http://host:port`, with the port actually bound. */
  url: string;
  close(): Promise<void>;
}

/** Builds the HTTP application exactly as production runs it: security headers and CORS, body limits, WebSocket adapter, Swagger, metrics. */
export async function createHttpApp(config: AppConfig, options: Omit<HttpServerOptions, 'port' | 'host'> = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ config, ...options }), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  applyHttpSecurity(app);
  app.use(httpMetricsMiddleware(app.get(MetricsService)));
  const bodyLimits = jsonBodyLimits(`/${MCP_HTTP_PATH}`, config.limits.httpBodyLimitBytes);
  app.use(bodyLimits.parser);
  app.use(bodyLimits.errors);
  app.useWebSocketAdapter(new McpWsAdapter(app));
  setupSwagger(app, VERSION);
  return app;
}

/** Starts listening and marks the server ready; resolves with the bound URL. */
export async function startHttpServer(config: AppConfig, options: HttpServerOptions = {}): Promise<RunningServer> {
  const app = await createHttpApp(config, options);
  const host = options.host ?? config.server.host;
  await app.listen(options.port ?? config.server.port, host);
  app.get(LifecycleService).markReady();
  const address = app.getHttpServer().address() as { port: number };
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return { app, url: `http://${urlHost}:${address.port}`, close: () => app.close() };
}
