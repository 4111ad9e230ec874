import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AppConfig } from '#config';
import { MCP_HTTP_PATH, McpWsAdapter } from '#mcp-transports';
import { DependencyHealthRegistry, LifecycleService, MetricsService } from '#observability';
import { applyHttpSecurity, AuthService } from '#security';
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
  app.useBodyParser('json', { limit: config.limits.httpBodyLimitBytes });
  const bodyLimits = jsonBodyLimits(`/${MCP_HTTP_PATH}`);
  app.use(bodyLimits.errors);
  app.use(bodyLimits.depth);
  app.useWebSocketAdapter(new McpWsAdapter(app));
  setupSwagger(app, VERSION);
  reportClientAuthentication(app);
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

/**
 * /ready's body says whether clients can get in: a locked production server (no credential
 * configured) stays ready — restarting it would not help — but the operator must see why every call is refused.
 */
function reportClientAuthentication(app: INestApplication): void {
  const auth = app.get(AuthService);
  const STATUS = { required: 'up', locked: 'down', disabled: 'disabled', open: 'disabled' } as const;
  app.get(DependencyHealthRegistry).register('clientAuthentication', () => {
    const { state, message } = auth.status;
    return { status: STATUS[state], state, message };
  });
}
