import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { CLIENT_CAPABILITIES_META_KEY, CLIENT_INFO_META_KEY, PROTOCOL_VERSION_META_KEY } from './era-negotiation.js';
import { MCPClientError } from './mcp-client.errors.js';
import { MCPWebSocketClient } from './mcp-websocket.client.js';
import { CLIENT_NAME, CLIENT_VERSION } from './version.js';

type Message = { id?: number | string; method?: string; params?: { _meta?: Record<string, unknown> } & Record<string, unknown> };
type Reply = { result: object } | { error: { code: number; message: string; data?: unknown } };

const TOOLS = { tools: [{ name: 'echo', inputSchema: { type: 'object' } }] };
const INITIALIZED = { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'era-spec', version: '1' } };
const METHOD_NOT_FOUND = { error: { code: -32601, message: 'Method not found' } };

/** How each kind of server answers `server/discover`; everything else is answered the same way. */
const DISCOVER: Record<string, Reply> = {
  'both eras': {
    result: {
      supportedVersions: ['2026-07-28', '2025-11-25'],
      capabilities: { tools: {} },
      resultType: 'complete',
      ttlMs: 0,
      cacheScope: 'public',
    },
  },
  '2025 era (method not found)': METHOD_NOT_FOUND,
  '2025 era (-32022)': {
    error: { code: -32022, message: 'Unsupported protocol version', data: { supported: ['2025-11-25'], requested: '2026-07-28' } },
  },
};

/** A small real MCP-over-WebSocket server that answers in either era; it records every message it receives. */
class EraServer {
  readonly received: Message[] = [];
  connections = 0;
  private readonly server = new WebSocketServer({ host: '127.0.0.1', port: 0 });

  constructor(private readonly discover: Reply) {
    this.server.on('connection', (socket) => {
      this.connections++;
      socket.on('message', (data) => this.answer(socket, JSON.parse(String(data)) as Message));
    });
  }

  async url(): Promise<string> {
    if (!this.server.address()) await once(this.server, 'listening');
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/ws`;
  }

  methods(): string[] {
    return this.received.flatMap((message) => (message.method ? [message.method] : []));
  }

  close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(socket: WebSocket, message: Message): void {
    this.received.push(message);
    if (message.id === undefined) return;
    const modern = message.params?._meta?.[PROTOCOL_VERSION_META_KEY] === '2026-07-28';
    let reply: Reply;
    if (message.method === 'server/discover') reply = this.discover;
    else if (message.method === 'initialize') reply = { result: INITIALIZED };
    else if (message.method === 'tools/list') reply = { result: modern ? { ...TOOLS, resultType: 'complete' } : TOOLS };
    else if (message.method === 'tools/call') reply = { result: { content: [{ type: 'text', text: 'echoed' }] } };
    else reply = METHOD_NOT_FOUND;
    socket.send(JSON.stringify({ jsonrpc: '2.0', id: message.id, ...reply }));
  }
}

describe('MCPWebSocketClient protocol era negotiation (real WebSocket server)', () => {
  let server: EraServer;
  let client: MCPWebSocketClient | undefined;

  async function connect(kind: string, protocolVersion?: '2026-07-28' | '2025-11-25'): Promise<MCPWebSocketClient> {
    server = new EraServer(DISCOVER[kind]!);
    client = new MCPWebSocketClient({ url: await server.url(), protocolVersion, maxReconnectAttempts: 0 });
    await client.connect();
    return client;
  }

  afterEach(async () => {
    await client?.disconnect();
    client = undefined;
    await server.close();
  });

  it('auto: speaks 2026-07-28 with a server of both eras — server/discover, no initialize, the envelope on every request', async () => {
    const connected = await connect('both eras');
    expect(connected.getProtocolVersion()).toBe('2026-07-28');
    expect((await connected.listTools()).map(({ name }) => name)).toEqual(['echo']);
    await connected.executeTool('echo', { text: 'hi' }, { onProgress: () => undefined });

    expect(server.methods()).toEqual(['server/discover', 'tools/list', 'tools/call']);
    const envelope = {
      [PROTOCOL_VERSION_META_KEY]: '2026-07-28',
      [CLIENT_INFO_META_KEY]: { name: CLIENT_NAME, version: CLIENT_VERSION },
      [CLIENT_CAPABILITIES_META_KEY]: {},
    };
    for (const request of server.received) expect(request.params?._meta).toMatchObject(envelope);
    // The SDK's own _meta (the progress token) is kept beside the envelope.
    expect(server.received[2]!.params?._meta).toHaveProperty('progressToken');
  });

  it.each(['2025 era (method not found)', '2025 era (-32022)'])(
    'auto: falls back to initialize on the same connection with a %s server',
    async (kind) => {
      const connected = await connect(kind);
      expect(connected.getProtocolVersion()).toBe('2025-11-25');
      expect((await connected.listTools()).map(({ name }) => name)).toEqual(['echo']);

      expect(server.connections).toBe(1);
      expect(server.methods()).toEqual(['server/discover', 'initialize', 'notifications/initialized', 'tools/list']);
      expect(server.received[3]!.params?._meta).toBeUndefined();
    },
  );

  it('pinned 2026-07-28: refuses a 2025-era server without retrying, saying why', async () => {
    const attempt = connect('2025 era (method not found)', '2026-07-28');
    await expect(attempt).rejects.toThrow(MCPClientError);
    await expect(attempt).rejects.toMatchObject({
      retriable: false,
      message: expect.stringContaining(
        'does not offer the pinned protocol version 2026-07-28: it answered server/discover with error -32601 (Method not found)',
      ),
    });
    expect(server.methods()).toEqual(['server/discover']);
  });

  it('pinned 2025-11-25: initializes at once, without asking server/discover', async () => {
    const connected = await connect('both eras', '2025-11-25');
    expect(connected.getProtocolVersion()).toBe('2025-11-25');
    await connected.listTools(); // answered after everything sent before it has arrived
    expect(server.methods()).toEqual(['initialize', 'notifications/initialized', 'tools/list']);
  });
});
