import WebSocket from 'ws';
import { percentile } from './stats.mjs';

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
 * must be a JSON-RPC result without `isError`, otherwise it counts as an error.
 */
export async function runWsLoad({ url, connections, inFlight, seconds, warmupSeconds = 1, request }) {
  const sockets = await Promise.all(Array.from({ length: connections }, () => openSession(url)));
  const latencies = [];
  let completed = 0;
  let errors = 0;
  let firstError;
  let measuring = false;
  let running = true;
  let nextId = 1;

  const drivers = sockets.map((socket) => new Promise((resolve) => {
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
      if (measuring) {
        latencies.push(performance.now() - started);
        completed++;
        if (reply.error || reply.result?.isError) {
          errors++;
          firstError ??= reply.error ?? reply.result;
        }
      }
      if (running) send();
      else if (sentAt.size === 0) resolve();
    });
    socket.on('close', () => resolve());
    for (let i = 0; i < inFlight; i++) send();
  }));

  await delay(warmupSeconds * 1000);
  measuring = true;
  const started = performance.now();
  await delay(seconds * 1000);
  measuring = false;
  const elapsed = (performance.now() - started) / 1000;
  running = false;
  await Promise.race([Promise.all(drivers), delay(10_000)]);
  for (const socket of sockets) socket.close(1000);
  return {
    requestsPerSecond: completed / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    completed,
    errors,
    ...(firstError ? { firstError: JSON.stringify(firstError).slice(0, 300) } : {}),
  };
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
  return Promise.all(sockets.map((socket) => new Promise((resolve) => {
    if (socket.readyState === WebSocket.CLOSED) return resolve();
    socket.once('close', resolve);
    socket.terminate();
  })));
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
