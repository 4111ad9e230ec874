import { once } from 'node:events';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { webSocketPair } from '../../../../test/support/ws-socket-pair.js';
import { type FrameGate, WebSocketServerTransport } from './websocket-server.transport.js';

/** A real socket pair on 127.0.0.1: the server end wrapped in the transport, the client end raw. */
async function connectedPair(gate?: FrameGate) {
  const { server: wss, serverSocket, client } = await webSocketPair();
  const counts = { received: 0, sent: 0 };
  const transport = new WebSocketServerTransport(
    serverSocket,
    { received: () => counts.received++, sent: () => counts.sent++ },
    undefined,
    gate,
  );
  const delivered: JSONRPCMessage[] = [];
  const errors: Error[] = [];
  let onDelivered = () => undefined as void;
  transport.onmessage = (message) => {
    delivered.push(message);
    onDelivered();
  };
  /** Resolves once `count` messages reached the protocol engine. */
  const deliveredCount = (count: number) =>
    new Promise<void>((resolve) => {
      onDelivered = () => delivered.length >= count && resolve();
      onDelivered();
    });
  transport.onerror = (error) => errors.push(error);
  await transport.start();
  const nextReply = async () => JSON.parse(((await once(client, 'message')) as [Buffer])[0].toString());
  const close = async () => {
    client.terminate();
    await new Promise((resolve) => wss.close(resolve));
  };
  return { client, transport, delivered, deliveredCount, errors, counts, nextReply, close };
}

describe('WebSocketServerTransport', () => {
  let pair: Awaited<ReturnType<typeof connectedPair>>;

  beforeEach(async () => {
    pair = await connectedPair();
  });

  afterEach(() => pair.close());

  it('hands each valid text frame to the protocol engine as one message', async () => {
    const request = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    pair.client.send(JSON.stringify(request));
    pair.client.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    await pair.deliveredCount(2);
    expect(pair.delivered).toEqual([request, { jsonrpc: '2.0', method: 'notifications/initialized' }]);
    expect(pair.counts.received).toBe(2);
  });

  it('answers a frame that is not JSON with -32700 and keeps reading', async () => {
    pair.client.send('{not json');
    expect(await pair.nextReply()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: expect.stringContaining('Parse error') },
    });
    pair.client.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }));
    await pair.deliveredCount(1);
    expect(pair.delivered).toEqual([{ jsonrpc: '2.0', id: 2, method: 'ping' }]);
    expect(pair.errors).toHaveLength(1);
  });

  it.each([
    ['a wrong jsonrpc version', { jsonrpc: '1.0', id: 3, method: 'ping' }, 3],
    ['a non-string method', { jsonrpc: '2.0', id: 'a', method: 7 }, 'a'],
    ['a request that also carries a result', { jsonrpc: '2.0', id: 'r', method: 'initialize', result: {} }, 'r'],
    ['a request that also carries an error', { jsonrpc: '2.0', id: 6, method: 'ping', error: { code: 1, message: 'x' } }, 6],
    ['a bare value', 42, null],
    ['a batch', [{ jsonrpc: '2.0', id: 4, method: 'ping' }], null],
  ])('answers %s with -32600, echoing a usable id', async (_label, frame, id) => {
    pair.client.send(JSON.stringify(frame));
    expect(await pair.nextReply()).toEqual({
      jsonrpc: '2.0',
      id,
      error: { code: -32600, message: expect.stringContaining('Invalid Request') },
    });
    expect(pair.delivered).toEqual([]);
  });

  it('refuses binary frames with -32600', async () => {
    pair.client.send(Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'ping' })), { binary: true });
    expect((await pair.nextReply()).error.code).toBe(-32600);
    expect(pair.delivered).toEqual([]);
  });

  it('sends each message as one text frame and counts it', async () => {
    const reply = pair.nextReply();
    await pair.transport.send({ jsonrpc: '2.0', id: 6, result: { tools: [] } });
    expect(await reply).toEqual({ jsonrpc: '2.0', id: 6, result: { tools: [] } });
    expect(pair.counts.sent).toBe(1);
  });

  it('reports the peer closing, and refuses to send afterwards', async () => {
    const closed = new Promise<void>((resolve) => (pair.transport.onclose = resolve));
    pair.client.close();
    await closed;
    await expect(pair.transport.send({ jsonrpc: '2.0', id: 7, result: {} })).rejects.toThrow('not open');
  });

  it('refuses JSON nested deeper than the limit with -32600 naming it, without parsing it, and keeps reading', async () => {
    pair.client.send('['.repeat(100_000) + ']'.repeat(100_000));
    expect(await pair.nextReply()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: expect.stringContaining('deeper than 64 levels') },
    });
    pair.client.send(JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'ping' }));
    await pair.deliveredCount(1);
    expect(pair.delivered).toEqual([{ jsonrpc: '2.0', id: 8, method: 'ping' }]);
  });
});

describe('WebSocketServerTransport frame gate', () => {
  it('charges every frame — valid, invalid, notification — and once over budget refuses requests but lets cancellations through', async () => {
    let charged = 0;
    const budget = 3;
    const pair = await connectedPair(() =>
      ++charged > budget ? { code: -32029, message: 'Rate limit exceeded', data: { retryAfterSeconds: 9 } } : undefined,
    );
    try {
      pair.client.send('{not json');
      expect((await pair.nextReply()).error.code).toBe(-32700);
      pair.client.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
      pair.client.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }));
      await pair.deliveredCount(2);
      expect(charged).toBe(3);
      pair.client.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }));
      expect(await pair.nextReply()).toEqual({
        jsonrpc: '2.0',
        id: 2,
        error: { code: -32029, message: 'Rate limit exceeded', data: { retryAfterSeconds: 9 } },
      });
      pair.client.send('{still not json');
      expect((await pair.nextReply()).error.code).toBe(-32029);
      const cancel = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } };
      pair.client.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 } }));
      pair.client.send(JSON.stringify(cancel));
      await pair.deliveredCount(3);
      expect(pair.delivered[2]).toEqual(cancel);
      expect(charged).toBe(7);
    } finally {
      await pair.close();
    }
  });
});
