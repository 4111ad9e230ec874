import type { LoggerService } from '@nestjs/common';

/**
 * Nest's own start-up narration (one line per module, controller and route) says nothing an
 * operator acts on; it moves to debug so the first info lines are ours. Everything else passes through.
 */
const NEST_NARRATION = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
  'WebSocketsController',
]);

export class StartupLogger implements LoggerService {
  constructor(private readonly target: LoggerService & { debug(message: unknown, ...rest: unknown[]): void }) {}

  log(message: unknown, ...rest: unknown[]): void {
    if (NEST_NARRATION.has(rest.at(-1) as string)) this.target.debug(message, ...rest);
    else this.target.log(message, ...rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.target.error(message, ...rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.target.warn(message, ...rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.target.debug(message, ...rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.target.verbose?.(message, ...rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.target.fatal?.(message, ...rest);
  }
}
