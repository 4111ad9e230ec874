import { Injectable } from '@nestjs/common';
import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { MetricsService } from '#observability';
import type { Principal } from '#tool-contract';
import type { Readable, Writable } from 'node:stream';
import { McpServerFactory } from '../mcp-server.factory.js';

/**
 * stdio carries no credentials: whoever can start the process already holds its configuration.
 * The caller is named for logs and audit, and marked unauthenticated because nothing was verified.
 */
export const STDIO_PRINCIPAL: Principal = Object.freeze({ subject: 'stdio', scopes: Object.freeze([]), authenticated: false });

/**
 * Serves the registry as one MCP connection over stdin/stdout (newline-delimited JSON-RPC), in
 * either era: the SDK's serveStdio pins the connection to 2025 on `initialize`, or to 2026-07-28 on
 * `server/discover` or an enveloped request.
 */
@Injectable()
export class StdioRunner {
  constructor(
    private readonly factory: McpServerFactory,
    private readonly metrics: MetricsService,
  ) {}

  /** Resolves when the session ends: stdin closed by the client, or the server closed. */
  serve(input: Readable = process.stdin, output: Writable = process.stdout): Promise<void> {
    const transport = new StdioServerTransport(input, output);
    this.metrics.sessionOpened('stdio');
    return new Promise((resolve) => {
      const handle = serveStdio(({ era }) => this.factory.create({ transport: 'stdio', principal: STDIO_PRINCIPAL }, { era }), {
        transport,
      });
      // serveStdio set the transport's close handler; ours runs after it.
      const closed = transport.onclose;
      let ended = false;
      transport.onclose = () => {
        closed?.();
        if (ended) return;
        ended = true;
        this.metrics.sessionClosed('stdio');
        resolve();
      };
      // The SDK transport does not watch for end of input; without this the process would idle forever.
      input.once('end', () => void handle.close());
    });
  }
}
