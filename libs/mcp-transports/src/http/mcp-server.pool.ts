import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ANONYMOUS, type Principal } from '#tool-contract';
import type { McpSession } from '../mcp-session.js';

export interface PooledServer {
  server: Server;
  session: McpSession;
}

/**
 * Stateless /mcp needs a fresh transport per request, but not a fresh Server: the SDK lets a
 * Server connect again once its transport has closed. Reusing idle Servers saves building the
 * protocol engine and its handler table on every request.
 */
export class McpServerPool {
  private readonly idle: PooledServer[] = [];

  constructor(
    private readonly build: (session: McpSession) => Server,
    private readonly maxIdle: number,
  ) {}

  /** A Server not connected to any transport; it returns to the pool when its transport closes. */
  acquire(principal: Principal): PooledServer {
    const pooled = this.idle.pop() ?? this.create();
    pooled.session.principal = principal;
    return pooled;
  }

  private create(): PooledServer {
    const session: McpSession = { transport: 'mcp-http', principal: ANONYMOUS };
    const pooled: PooledServer = { server: this.build(session), session };
    // The SDK detaches the transport before calling onclose, so the Server can connect again.
    pooled.server.onclose = () => this.release(pooled);
    return pooled;
  }

  private release(pooled: PooledServer): void {
    pooled.session.principal = ANONYMOUS;
    if (this.idle.length < this.maxIdle) this.idle.push(pooled);
  }
}
