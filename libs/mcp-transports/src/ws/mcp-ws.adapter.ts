import type { MessageMappingProperties } from '@nestjs/websockets';
import { WsAdapter } from '@nestjs/platform-ws';
import type { Observable } from 'rxjs';
import type { WebSocket, WebSocketServer } from 'ws';

/**
 * Nest's ws adapter, minus two costs the MCP gateway does not need: a gateway without
 * `@SubscribeMessage` handlers reads its own frames, so Nest's extra JSON.parse and rxjs pipeline
 * per frame are skipped; and socket errors a client causes (oversize or malformed frames) are
 * logged at debug instead of error, so a misbehaving peer cannot flood the error log.
 */
export class McpWsAdapter extends WsAdapter {
  override bindMessageHandlers(
    client: WebSocket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    if (handlers.length === 0) return;
    super.bindMessageHandlers(client, handlers, transform);
  }

  override bindErrorHandler(server: WebSocketServer): WebSocketServer {
    server.on('connection', (socket: WebSocket) =>
      socket.on('error', (error) => this.logger.debug(`WebSocket client error: ${error.message}`)),
    );
    server.on('error', (error) => this.logger.error(error));
    return server;
  }
}
