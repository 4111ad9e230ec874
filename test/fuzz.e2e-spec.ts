import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { postJson, startTestServer, type TestServer } from './support/app-harness.js';
import { isWellFormedServerMessage, RpcSocket, type RpcMessage } from './support/rpc-socket.js';

/**
 * Property-based robustness: generated garbage, near-valid JSON-RPC and wrongly typed tool
 * arguments at /ws, /mcp and the REST API. Every request must get a well-formed answer, the
 * connection must keep working, nothing may answer 500, and memory must return near baseline.
 */

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const MCP_HEADERS = { accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };
/** Tools whose valid arguments could legitimately run for long; cancellation covers test_slow. */
const SLOW_TOOLS = new Set(['test_slow']);
const METHODS = [
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'prompts/list',
  'logging/setLevel',
  'completion/complete',
  'notifications/cancelled',
  'bogus/method',
];

let sent = 0;

// Each property sends thousands of requests; on a loaded machine one can take longer than Jest's 30 s default.
jest.setTimeout(180_000);

// ---- generators ------------------------------------------------------------------------------

const unicodeEdges = fc.constantFrom(
  '\u0000',
  '\ud800',
  '\udfff',
  '\ufeff',
  '\u202e',
  '\uffff',
  '💥',
  'e\u0301',
  '\u2028',
  '"\\',
  '𝕏'.repeat(50),
);
const edgyString = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), unicodeEdges);
const hugeNumberText = fc.constantFrom(
  '1e400',
  '-1e400',
  '123456789012345678901234567890',
  '0.0000000000000000000000001',
  '-0',
  '9007199254740993',
  '1E+308',
);
const nested = fc.integer({ min: 1, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth));
const nestedObject = fc.integer({ min: 100, max: 5000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth));

const validRequestText = fc
  .record({ method: fc.constantFrom(...METHODS), params: fc.jsonValue() })
  .map(({ method, params }) => JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));
const truncated = fc.tuple(validRequestText, fc.nat()).map(([text, cut]) => text.slice(0, cut % Math.max(1, text.length)));

/** Frames that are not valid JSON-RPC requests at all. */
const garbageFrame = fc.oneof(
  edgyString,
  truncated,
  nested,
  nestedObject,
  hugeNumberText.map((number) => `{"jsonrpc":"2.0","id":${number},"method":"ping"}`),
  hugeNumberText.map(
    (number) =>
      `{"jsonrpc":"2.0","id":"n","method":"tools/call","params":{"name":"test_echo","arguments":{"message":"x","repeat":${number}}}}`,
  ),
  fc.jsonValue().map((value) => JSON.stringify(value)),
);

const anyId = fc.oneof(fc.integer(), fc.string({ maxLength: 20 }), fc.constant(null), fc.double(), fc.jsonValue());

/** Objects shaped more or less like JSON-RPC messages. */
const rpcShaped = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant('2.0'), fc.constant('2.0'), fc.constant('1.0'), fc.jsonValue()),
    id: anyId,
    method: fc.oneof(fc.constantFrom(...METHODS), edgyString),
    params: fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue())),
    result: fc.jsonValue(),
    error: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

/** A JSON value of any type, to put where a tool argument of one specific type belongs. */
const wrongValue = fc.oneof(
  fc.jsonValue(),
  edgyString,
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e308, -1e-308, 0.5, -1),
  fc.integer({ min: 1, max: 3000 }).map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown),
);

/** Arguments for `tool`: each published property (and some unknown ones) set to arbitrary values. */
function argumentsFor(tool: { inputSchema: { properties?: Record<string, unknown> } }) {
  const names = Object.keys(tool.inputSchema.properties ?? {});
  const known = names.length > 0 ? fc.dictionary(fc.constantFrom(...names), wrongValue, { maxKeys: names.length }) : fc.constant({});
  return fc.oneof(
    { weight: 4, arbitrary: known },
    { weight: 1, arbitrary: fc.tuple(known, fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 })).map(([a, b]) => ({ ...b, ...a })) },
    { weight: 1, arbitrary: fc.jsonValue() },
  );
}

// ---- helpers ---------------------------------------------------------------------------------

/** A request the server must answer: JSON-RPC 2.0, a method, a usable id we made unique. */
function mustBeAnswered(message: Record<string, unknown>): boolean {
  return (
    message.jsonrpc === '2.0' &&
    typeof message.method === 'string' &&
    !message.method.startsWith('notifications/') &&
    (typeof message.id === 'string' || Number.isSafeInteger(message.id)) &&
    (message.params === undefined || (typeof message.params === 'object' && message.params !== null && !Array.isArray(message.params)))
  );
}

function expectWellFormed(messages: RpcMessage[]): void {
  for (const message of messages) {
    if (!isWellFormedServerMessage(message)) throw new Error(`malformed server message: ${JSON.stringify(message).slice(0, 500)}`);
  }
}

function heapUsed(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

async function inParallel<T>(items: T[], concurrency: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await run(items[next++]);
    }),
  );
}

// ---- specs -----------------------------------------------------------------------------------

describe('Fuzzing /ws, /mcp and REST (e2e)', () => {
  let server: TestServer;
  let tools: { name: string; inputSchema: { properties?: Record<string, unknown> } }[];
  let baselineHeap: number;

  beforeAll(async () => {
    server = await startTestServer({ env: { LOG_LEVEL: 'error', RATE_LIMIT_REQUESTS: '0' } });
    tools = (await postJson(`${server.url}/api/tools/list`, {})).body.tools;
    baselineHeap = heapUsed();
  });

  afterAll(async () => {
    await server.close();
  });

  describe('/ws', () => {
    let client: RpcSocket;

    beforeAll(async () => {
      client = await RpcSocket.open(server.wsUrl);
    });

    afterAll(() => client.close());

    it('answers garbage frames (random text and bytes, truncated JSON, deep nesting, huge numbers, unicode edges) and stays usable', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.oneof(
              garbageFrame.map((text) => ({ text, binary: false })),
              fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ text: Buffer.from(bytes), binary: true })),
            ),
            { minLength: 1, maxLength: 30 },
          ),
          async (frames) => {
            for (const frame of frames) client.sendRaw(frame.text, frame.binary);
            sent += frames.length;
            await client.sentinel();
            expectWellFormed(client.drain());
          },
        ),
        { numRuns: 700 },
      );
    });

    it('answers every JSON-RPC-shaped request by id, whatever the other fields hold', async () => {
      let nextId = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(rpcShaped, { minLength: 1, maxLength: 16 }), async (messages) => {
          const expected: string[] = [];
          for (const message of messages) {
            // Unique ids, so each answer can be matched to its request.
            if (typeof message.id === 'string' || typeof message.id === 'number') message.id = `fuzz-${++nextId}`;
            if (mustBeAnswered(message)) expected.push(message.id as string);
            client.send(message);
          }
          sent += messages.length;
          for (const id of expected) expectWellFormed([await client.replyTo(id)]);
          await client.sentinel();
          expectWellFormed(client.drain());
        }),
        { numRuns: 400 },
      );
    });

    it('answers tools/call with wrongly typed arguments for every published tool with a result or -32602', async () => {
      const candidates = tools.filter((tool) => !SLOW_TOOLS.has(tool.name));
      let nextId = 0;
      for (const tool of candidates) {
        await fc.assert(
          fc.asyncProperty(fc.array(argumentsFor(tool), { minLength: 1, maxLength: 10 }), async (argumentSets) => {
            const ids = argumentSets.map((args) => {
              const id = `args-${++nextId}`;
              client.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool.name, arguments: args } });
              return id;
            });
            sent += ids.length;
            for (const id of ids) {
              const reply = await client.replyTo(id, 20_000);
              expectWellFormed([reply]);
              // -32600 only for frames past the entrance's JSON depth or size limit, naming it.
              if (reply.error)
                expect(reply.error.code === -32602 || /JSON nested deeper than|JSON holds more than/.test(reply.error.message)).toBe(true);
              else expect(Array.isArray(reply.result.content)).toBe(true);
            }
          }),
          { numRuns: Math.ceil(1200 / candidates.length / 5) },
        );
      }
    });

    it('answers every request when ids collide', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(fc.integer(), fc.string({ minLength: 1, maxLength: 8 })),
          fc.integer({ min: 2, max: 5 }),
          async (id, copies) => {
            for (let copy = 0; copy < copies; copy++) {
              client.send({
                jsonrpc: '2.0',
                id,
                method: 'tools/call',
                params: { name: 'test_echo', arguments: { message: `copy ${copy}` } },
              });
            }
            sent += copies;
            await client.sentinel();
            const deadline = Date.now() + 5000;
            while (client.received.filter((message) => message.id === id).length < copies && Date.now() < deadline)
              await new Promise((resolve) => setTimeout(resolve, 5));
            const replies = client.drain().filter((message) => message.id === id);
            expectWellFormed(replies);
            expect(replies).toHaveLength(copies);
          },
        ),
        { numRuns: 150 },
      );
    });

    it('survives cancellations interleaved with calls, answering every call not cancelled', async () => {
      let nextId = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ ms: fc.integer({ min: 0, max: 30 }), cancel: fc.boolean(), bogusCancel: fc.boolean() }), {
            minLength: 1,
            maxLength: 6,
          }),
          async (calls) => {
            const kept: string[] = [];
            for (const call of calls) {
              const id = `slow-${++nextId}`;
              client.send({
                jsonrpc: '2.0',
                id,
                method: 'tools/call',
                params: { name: 'test_slow', arguments: { ms: call.ms, steps: 1 } },
              });
              if (call.cancel)
                client.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'fuzz' } });
              else kept.push(id);
              if (call.bogusCancel)
                client.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: `never-${nextId}` } });
            }
            sent += calls.length * 2;
            for (const id of kept) expectWellFormed([await client.replyTo(id)]);
            await client.sentinel();
          },
        ),
        { numRuns: 150 },
      );
      // Cancelled calls still settle: nothing stays in flight.
      await waitFor(async () => /^xdp_mcp_tool_calls_in_flight 0$/m.test(await metricsText(server)));
      client.drain();
    });
  });

  describe('/mcp', () => {
    const post = (body: string | Buffer, contentType = 'application/json') =>
      fetch(`${server.url}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, 'content-type': contentType }, body });

    async function expectWellFormedHttp(response: Response): Promise<void> {
      expect(response.status).toBeLessThan(500);
      const text = await response.text();
      if (text === '') return;
      const json = response.headers.get('content-type')?.includes('text/event-stream') ? /^data: (.*)$/m.exec(text)?.[1] : text;
      const parsed = JSON.parse(json ?? 'null') as RpcMessage | RpcMessage[];
      expectWellFormed(Array.isArray(parsed) ? parsed : [parsed]);
    }

    it('answers garbage bodies and JSON-RPC-shaped requests without a 5xx and with well-formed JSON-RPC', async () => {
      const bodies = fc.sample(
        fc.oneof(
          garbageFrame,
          rpcShaped.map((message) => JSON.stringify(message)),
          fc.array(rpcShaped, { maxLength: 3 }).map((batch) => JSON.stringify(batch)),
        ),
        700,
      );
      await inParallel(bodies, 8, async (body) => {
        sent++;
        await expectWellFormedHttp(await post(body));
      });
    });

    it('answers tools/call with wrongly typed arguments for every published tool', async () => {
      const candidates = tools.filter((tool) => !SLOW_TOOLS.has(tool.name));
      const requests = candidates.flatMap((tool) =>
        fc.sample(argumentsFor(tool), Math.ceil(500 / candidates.length)).map((args, index) => ({ tool: tool.name, args, index })),
      );
      await inParallel(requests, 8, async ({ tool, args, index }) => {
        sent++;
        const response = await post(
          JSON.stringify({ jsonrpc: '2.0', id: index, method: 'tools/call', params: { name: tool, arguments: args } }),
        );
        // 400 only for bodies nested past the entrance's depth limit, answered as a JSON-RPC error.
        expect([200, 400]).toContain(response.status);
        await expectWellFormedHttp(response);
      });
    });
  });

  describe('REST', () => {
    async function expectRestShape(response: Response, request: string): Promise<void> {
      const body = (await response.json()) as Record<string, any>;
      if (response.status === 500) throw new Error(`500 for ${request.slice(0, 300)}: ${JSON.stringify(body)}`);
      if (response.status === 200) expect(Array.isArray(body.content)).toBe(true);
      else
        expect(body.error).toEqual(
          expect.objectContaining({ status: response.status, code: expect.any(String), message: expect.any(String) }),
        );
    }

    it('answers random execute bodies and wrongly typed tool arguments with a result or the error shape', async () => {
      const candidates = tools.filter((tool) => !SLOW_TOOLS.has(tool.name));
      const bodies = [
        ...fc.sample(
          fc.oneof(
            garbageFrame,
            fc.jsonValue().map((value) => JSON.stringify(value)),
          ),
          500,
        ),
        ...fc
          .sample(
            fc.record(
              { tool: fc.oneof(fc.constantFrom(...candidates.map((tool) => tool.name)), edgyString), params: fc.jsonValue() },
              { requiredKeys: [] },
            ),
            200,
          )
          .map((body) => JSON.stringify(body)),
        ...candidates.flatMap((tool) =>
          fc.sample(argumentsFor(tool), Math.ceil(400 / candidates.length)).map((params) => JSON.stringify({ tool: tool.name, params })),
        ),
      ];
      await inParallel(bodies, 8, async (body) => {
        sent++;
        await expectRestShape(
          await fetch(`${server.url}/api/tools/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }),
          body,
        );
      });
    });

    it('answers random query strings on GET endpoints without a 5xx other than "not configured"', async () => {
      const queries = fc.sample(fc.dictionary(fc.constantFrom('page', 'size', 'sortBy', 'x'), edgyString, { maxKeys: 4 }), 200);
      await inParallel(queries, 8, async (query) => {
        sent++;
        const response = await fetch(`${server.url}/api/xdp/datastores?${new URLSearchParams(query)}`);
        expect([200, 400, 503]).toContain(response.status);
        await response.body?.cancel();
      });
    });
  });

  describe('afterwards', () => {
    it('sent at least 10,000 generated frames and requests in total', () => {
      expect(sent).toBeGreaterThanOrEqual(10_000);
    });

    it('still answers on a fresh connection, and heap use is back near the baseline', async () => {
      const client = await RpcSocket.open(server.wsUrl);
      const reply = await client.request({ method: 'tools/call', params: { name: 'test_echo', arguments: { message: 'still here' } } });
      expect(reply.result.content[0].text).toBe('still here');
      client.close();
      await waitFor(async () => heapUsed() - baselineHeap < 48 * 2 ** 20, 10_000);
    });
  });
});

async function metricsText(server: TestServer): Promise<string> {
  return (await fetch(`${server.url}/metrics`)).text();
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
