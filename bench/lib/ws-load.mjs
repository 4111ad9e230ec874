import WebSocket from 'ws';
import { createLoadRecorder, delay } from './stats.mjs';

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'xdp-mcp-bench', version: '1.0.0' } },
};

/** Opens one MCP session over WebSocket: connect with subprotocol `mcp`, initialize, initialized. */
export async function openSession(url) {
  const socket = new WebSocket(url, 'mcp', { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused with HTTP ${response.statusCode}`)));
  });
  // A reset after the handshake surfaces as 'close'; without a listener 'error' would throw.
  socket.on('error', () => undefined);
  const initialized = new Promise((resolve, reject) => {
    socket.once('message', (data) => {
      const reply = JSON.parse(data.toString());
      if (reply.error) reject(new Error(`initialize failed: ${JSON.stringify(reply.error)}`));
      else resolve();
    });
    socket.once('close', (code) => reject(new Error(`closed with ${code} during initialize`)));
  });
  socket.send(JSON.stringify(INITIALIZE));
  await initialized;
  socket.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
  return socket;
}

/**
 * Closed-loop load: `connections` sessions, each keeping `inFlight` requests outstanding
 * for `seconds` after `warmupSeconds`. `request(id)` returns the frame text. Every reply
 * must be a JSON-RPC result without `isError`, otherwise it counts as an error. `pid` (the
 * server's) adds its CPU time per request to the summary.
 */
export async function runWsLoad({ url, connections, inFlight, seconds, warmupSeconds = 1, request, pid }) {
  const sockets = await Promise.all(Array.from({ length: connections }, () => openSession(url)));
  const recorder = createLoadRecorder({ pid });
  let running = true;
  let nextId = 1;

  const drivers = sockets.map(
    (socket) =>
      new Promise((resolve) => {
        const sentAt = new Map();
        const send = () => {
          const id = nextId++;
          sentAt.set(id, performance.now());
          socket.send(request(id));
        };
        socket.on('message', (data) => {
          const reply = JSON.parse(data.toString());
          const started = sentAt.get(reply.id);
          if (started === undefined) return; // a notification (progress, logging): not a reply
          sentAt.delete(reply.id);
          const failed = reply.error || reply.result?.isError;
          recorder.record(performance.now() - started, failed ? () => JSON.stringify(reply.error ?? reply.result) : undefined);
          if (running) send();
          else if (sentAt.size === 0) resolve();
        });
        socket.on('close', () => resolve());
        for (let i = 0; i < inFlight; i++) send();
      }),
  );

  await recorder.measure(warmupSeconds, seconds);
  running = false;
  await Promise.race([Promise.all(drivers), delay(10_000)]);
  for (const socket of sockets) socket.close(1000);
  return recorder.summary();
}

/** Opens `count` idle sessions (initialized, then silent) in batches so the accept queue is not flooded. */
export async function openIdleSessions(url, count, batch = 250) {
  const sockets = [];
  for (let opened = 0; opened < count; opened += batch) {
    const size = Math.min(batch, count - opened);
    sockets.push(...(await Promise.all(Array.from({ length: size }, () => openSession(url)))));
  }
  return sockets;
}

export function closeAll(sockets) {
  return Promise.all(
    sockets.map(
      (socket) =>
        new Promise((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          socket.once('close', resolve);
          socket.terminate();
        }),
    ),
  );
}
