import 'reflect-metadata';
import { parseCommandLine, usage } from './src/cli.js';
import { checkNodeVersion } from './src/runtime.check.js';
import { VERSION } from './src/version.js';

/**
 * Entry point. Only Node built-ins are loaded until the command line and the Node.js version are
 * checked: `--help`/`--version` start nothing, and too old a Node.js gets a sentence, not a loader stack.
 */
async function main(): Promise<void> {
  const command = parseCommandLine(process.argv.slice(2));
  if (command.action === 'help') return void process.stdout.write(usage(VERSION));
  if (command.action === 'version') return void process.stdout.write(`${VERSION}\n`);
  if (command.action === 'invalid') return fail(command.message, 2);
  const runtime = checkNodeVersion(process.version);
  if (!runtime.ok) return fail(runtime.error);
  const { processEnv } = await import('#config');
  const { serve } = await import('./src/serve.js');
  await serve(processEnv(), process.argv, runtime.warning);
}

function fail(message: string, code = 1): void {
  process.stderr.write(`xdp-mcp-server failed to start: ${message}\n`);
  process.exit(code);
}

/** One line for the failures an operator fixes without a stack trace. */
function describeFailure(error: unknown): string {
  const { code, port, address, name, message, stack } = (error ?? {}) as NodeJS.ErrnoException & { port?: number; address?: string };
  if (code === 'EADDRINUSE')
    return `port ${port} on ${address} is already in use (EADDRINUSE): stop the process using it or set PORT to a free port`;
  if (code === 'EACCES' && port !== undefined)
    return `no permission to listen on port ${port} on ${address} (EACCES): use a port above 1023 or set PORT`;
  // The configuration error already lists every bad variable, one per line.
  if (name === 'ConfigValidationError') return message;
  return error instanceof Error ? (stack ?? message) : String(error);
}

main().catch((error: unknown) => fail(describeFailure(error)));
