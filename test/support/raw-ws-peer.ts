import { once } from 'node:events';
import { WebSocket } from 'ws';

/** A raw `ws` peer that reads replies in order, for framing tests the SDK client cannot produce. */
export class RawPeer {
  private readonly inbox: unknown[] = [];
  private readonly waiting: ((message: unknown) => void)[] = [];

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString());
      const waiter = this.waiting.shift();
      if (waiter) waiter(message);
      else this.inbox.push(message);
    });
  }

  static async open(url: string, protocols?: string[], options?: ConstructorParameters<typeof WebSocket>[2]): Promise<RawPeer> {
    const socket = new WebSocket(url, protocols, options);
    await once(socket, 'open');
    return new RawPeer(socket);
  }

  next(): Promise<any> {
    if (this.inbox.length > 0) return Promise.resolve(this.inbox.shift());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async exchange(frame: string | object): Promise<any> {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    return this.next();
  }
}
