import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type AppConfig, type Env, knownSettings, loadAppConfig } from '#config';
import { StdioRunner } from '#mcp-transports';
import { exitGracefullyOnSignals, LifecycleService } from '#observability';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { startHttpServer } from './bootstrap.js';
import { settingsWarnings } from './settings.check.js';
import { StartupLogger } from './startup.logger.js';

/** Runs the server in the mode the configuration selects; `runtimeWarning` comes from the Node.js version check. */
export async function serve(env: Env, argv: readonly string[], runtimeWarning?: string): Promise<void> {
  const config = loadAppConfig(env, argv);
  const warnings = [...(runtimeWarning ? [runtimeWarning] : []), ...settingsWarnings(env, knownSettings())];
  if (config.server.transport === 'stdio') await serveStdio(config, warnings);
  else exitGracefullyOnSignals((await startHttpServer(config, { startupWarnings: warnings })).app);
}

/** `--stdio` / MCP_TRANSPORT=stdio: the same application without an HTTP listener; stdout carries only JSON-RPC. */
async function serveStdio(config: AppConfig, warnings: readonly string[]): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule.forRoot({ config }), { bufferLogs: true, abortOnError: false });
  app.useLogger(new StartupLogger(app.get(Logger)));
  for (const warning of warnings) new NestLogger('Startup').warn(warning);
  exitGracefullyOnSignals(app);
  app.get(LifecycleService).markReady();
  await app.get(StdioRunner).serve();
  await app.close();
}
