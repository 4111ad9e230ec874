import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { ModuleMetadata } from '@nestjs/common';
import { type Env, loadAppConfig } from '#config';
import { startHttpServer, type RunningServer } from '../../apps/xdp-mcp-server/src/bootstrap.js';
import { FixtureToolsModule } from './fixture-tools.module.js';

export interface TestServer extends RunningServer {
  wsUrl: string;
  /** Every log line the app wrote so far. */
  logs(): string;
}

export interface StartOptions {
  env?: Env;
  /** Defaults to the fixture tools; pass [] for none. */
  imports?: ModuleMetadata['imports'];
  /** Defaults to 0 (any free port); a restart test passes the port of the server it replaces. */
  port?: number;
}

/**
 * nestjs-pino keeps one root logger per process, built from the first application's settings.
 * Production runs one application per process; tests boot several, so each gets a fresh root
 * logger writing to its own captured stream (with its own secrets to scrub).
 */
function resetProcessWideLogger(): void {
  const pinoLoggerPath = join(dirname(require.resolve('nestjs-pino')), 'PinoLogger.js');
  // Jest's own require: the reset must reach the module instance the app under test loaded.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require(pinoLoggerPath) as { __resetOutOfContextForTests(): void }).__resetOutOfContextForTests();
}

/** Boots the real application on 127.0.0.1:0 with a captured log stream. */
export async function startTestServer(options: StartOptions = {}): Promise<TestServer> {
  resetProcessWideLogger();
  const config = loadAppConfig({ NODE_ENV: 'test', LOG_LEVEL: 'debug', ...options.env });
  const logStream = new PassThrough();
  const chunks: string[] = [];
  logStream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const server = await startHttpServer(config, {
    port: options.port ?? 0,
    host: '127.0.0.1',
    logDestination: logStream,
    imports: options.imports ?? [FixtureToolsModule],
  });
  return { ...server, wsUrl: server.url.replace(/^http/, 'ws') + '/ws', logs: () => chunks.join('') };
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // non-JSON bodies (metrics) stay text
  }
  return { status: response.status, body, headers: response.headers };
}
