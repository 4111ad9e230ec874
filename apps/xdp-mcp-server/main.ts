import 'reflect-metadata';
import { ConfigValidationError, loadAppConfig, processEnv } from '#config';
import { startHttpServer } from './src/bootstrap.js';

async function main(): Promise<void> {
  const config = loadAppConfig(processEnv(), process.argv);
  await startHttpServer(config);
}

main().catch((error: unknown) => {
  // The logger may not exist yet (configuration is validated before the app is built).
  const message = error instanceof ConfigValidationError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`xdp-mcp-server failed to start: ${message}\n`);
  process.exit(1);
});
