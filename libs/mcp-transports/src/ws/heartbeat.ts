import type { WebSocket, WebSocketServer } from 'ws';

/**
 * Server-side ping/pong: every interval each socket that has not answered the previous ping
 * is terminated (its 'close' then aborts the session's calls), the rest are pinged again.
 * Catches peers that vanished without a TCP close (NAT timeouts, killed pods, sleeping laptops).
 */
export class Heartbeat {
  private readonly answered = new WeakSet<WebSocket>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly server: WebSocketServer,
    intervalMs: number,
  ) {
    const { answered } = this;
    // One listener for every socket (`this` is the socket that answered): no closure per connection.
    const onPong = function (this: WebSocket) {
      answered.add(this);
    };
    server.on('connection', (socket: WebSocket) => {
      answered.add(socket);
      socket.on('pong', onPong);
    });
    this.timer = setInterval(() => this.sweep(), intervalMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sweep(): void {
    for (const socket of this.server.clients) {
      if (!this.answered.delete(socket)) {
        socket.terminate();
        continue;
      }
      socket.ping();
    }
  }
}
