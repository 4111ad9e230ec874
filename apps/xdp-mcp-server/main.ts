import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { type AppConfig, ConfigValidationError, loadAppConfig, processEnv } from '#config';
import { StdioRunner } from '#mcp-transports';
import { exitGracefullyOnSignals, LifecycleService } from '#observability';
import { Logger } from 'nestjs-pino';
import { AppModule } from './src/app.module.js';
import { startHttpServer } from './src/bootstrap.js';

async function main(): Promise<void> {
  const config = loadAppConfig(processEnv(), process.argv);
  if (config.server.transport === 'stdio') await serveStdio(config);
  else exitGracefullyOnSignals((await startHttpServer(config)).app);
}

/** `--stdio` / MCP_TRANSPORT=stdio: the same application without an HTTP listener; stdout carries only JSON-RPC. */
async function serveStdio(config: AppConfig): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule.forRoot({ config }), { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  exitGracefullyOnSignals(app);
  app.get(LifecycleService).markReady();
  await app.get(StdioRunner).serve();
  await app.close();
}

main().catch((error: unknown) => {
  // The logger may not exist yet (configuration is validated before the app is built).
  const message = error instanceof ConfigValidationError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`xdp-mcp-server failed to start: ${message}\n`);
  process.exit(1);
});
