import { Injectable } from '@nestjs/common';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { MetricsService } from '#observability';
import type { Principal } from '#tool-contract';
import { McpServerFactory } from '../mcp-server.factory.js';

/**
 * stdio carries no credentials: whoever can start the process already holds its configuration.
 * The caller is named for logs and audit, and marked unauthenticated because nothing was verified.
 */
export const STDIO_PRINCIPAL: Principal = Object.freeze({ subject: 'stdio', scopes: Object.freeze([]), authenticated: false });

/** Serves the registry as one MCP session over stdin/stdout (newline-delimited JSON-RPC). */
@Injectable()
export class StdioRunner {
  constructor(
    private readonly factory: McpServerFactory,
    private readonly metrics: MetricsService,
  ) {}

  /** Resolves when the session ends: stdin closed by the client, or the server closed. */
  serve(input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stdout): Promise<void> {
    const server = this.factory.create({ transport: 'stdio', principal: STDIO_PRINCIPAL });
    const transport = new StdioServerTransport(input as NodeJS.ReadStream & typeof process.stdin, output as NodeJS.WriteStream & typeof process.stdout);
    this.metrics.sessionOpened('stdio');
    return new Promise((resolve, reject) => {
      server.onclose = () => {
        this.metrics.sessionClosed('stdio');
        resolve();
      };
      // The SDK transport does not watch for end of input; without this the process would idle forever.
      input.once('end', () => void server.close());
      server.connect(transport).catch(reject);
    });
  }
}
