import { type INestApplicationContext, Logger } from '@nestjs/common';
import { GracefulShutdown } from './graceful-shutdown.service.js';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Production entry only (tests drive GracefulShutdown directly): on SIGTERM/SIGINT drain, close
 * the application, and exit 0. Used instead of Nest's shutdown hooks, which close the app at once
 * and re-raise the signal, so in-flight calls would be cut and the exit code would not be 0.
 */
export function exitGracefullyOnSignals(app: INestApplicationContext): void {
  const logger = new Logger('Shutdown');
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.log(`${signal} received: shutting down gracefully`);
    app
      .get(GracefulShutdown)
      .drain()
      .then(() => app.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(`Shutdown failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          process.exit(1);
        },
      );
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
}
