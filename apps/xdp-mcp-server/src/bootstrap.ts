import { type INestApplication, Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AppConfig } from '#config';
import { MCP_HTTP_PATH, MCP_WS_PATH, McpWsAdapter } from '#mcp-transports';
import { DependencyHealthRegistry, LifecycleService, MetricsService } from '#observability';
import { applyHttpSecurity, AuthService } from '#security';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module.js';
import { httpMetricsMiddleware } from './http-metrics.middleware.js';
import { jsonBodyLimits } from './json-body.middleware.js';
import { StartupLogger } from './startup.logger.js';
import { setupSwagger, SWAGGER_PATH } from './swagger.js';
import { VERSION } from './version.js';

export interface HttpServerOptions extends Omit<AppModuleOptions, 'config'> {
  /** Overrides config.server.port (tests use 0). */
  port?: number;
  host?: string;
  /** Logged once the logger exists (Node.js version, unknown settings). */
  startupWarnings?: readonly string[];
}

export interface RunningServer {
  app: INestApplication;
  /** `http://host:port`, with the port actually bound. */
  url: string;
  close(): Promise<void>;
}

/** Builds the HTTP application exactly as production runs it: security headers and CORS, body limits, WebSocket adapter, Swagger, metrics. */
export async function createHttpApp(
  config: AppConfig,
  options: Omit<HttpServerOptions, 'port' | 'host'> = {},
): Promise<NestExpressApplication> {
  const { startupWarnings = [], ...moduleOptions } = options;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ config, ...moduleOptions }), {
    bodyParser: false,
    // Held back until the server listens (startHttpServer), so the log leads with where it listens.
    bufferLogs: true,
    autoFlushLogs: false,
    // A failure while building the application is thrown to the caller (main prints it) instead of
    // process.abort(), which with the logs held back would die without a word.
    abortOnError: false,
  });
  app.useLogger(new StartupLogger(app.get(Logger)));
  for (const warning of startupWarnings) new NestLogger('Startup').warn(warning);
  app.disable('x-powered-by');
  applyHttpSecurity(app);
  app.use(httpMetricsMiddleware(app.get(MetricsService)));
  const bodyLimits = jsonBodyLimits(`/${MCP_HTTP_PATH}`, config.limits.httpBodyLimitBytes);
  app.use(bodyLimits.parser);
  app.use(bodyLimits.errors);
  app.useWebSocketAdapter(new McpWsAdapter(app));
  setupSwagger(app, VERSION);
  reportClientAuthentication(app);
  return app;
}

/**
 * Starts listening and marks the server ready; resolves with the bound URL. The first log line
 * says where the server listens and what it serves; the lines buffered while it was built follow.
 * A failed listen (e.g. EADDRINUSE) rejects with nothing logged: the caller reports it in one line.
 */
export async function startHttpServer(config: AppConfig, options: HttpServerOptions = {}): Promise<RunningServer> {
  const app = await createHttpApp(config, options);
  const host = options.host ?? config.server.host;
  await app.listen(options.port ?? config.server.port, host);
  app.get(LifecycleService).markReady();
  const address = app.getHttpServer().address() as { port: number };
  app.get(Logger).log(listeningSummary(app, `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`), 'XdpMcpServer');
  app.flushLogs();
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return { app, url: `http://${urlHost}:${address.port}`, close: () => app.close() };
}

/** One line an operator can act on: the entrances, the SQL engines and whether clients can get in. */
function listeningSummary(app: INestApplication, baseUrl: string): string {
  const dependencies = app.get(DependencyHealthRegistry).snapshot();
  const engines = Object.entries(dependencies)
    .filter(([name]) => name.startsWith('trino:'))
    .map(([name, state]) => `${name.slice('trino:'.length)} (${String(state.engine ?? 'trino')})`);
  if (dependencies.xdp && dependencies.xdp.status !== 'disabled') engines.push('XDP dataplanes');
  const wsUrl = baseUrl.replace(/^http/, 'ws');
  return (
    `Listening on ${baseUrl}: MCP ${baseUrl}/${MCP_HTTP_PATH}, WebSocket ${wsUrl}${MCP_WS_PATH}, Swagger UI ${baseUrl}/${SWAGGER_PATH}; ` +
    `engines: ${engines.join(', ') || 'none'}; client authentication: ${app.get(AuthService).status.state}`
  );
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
