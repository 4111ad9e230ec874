import { Agent, request as httpRequest } from 'node:http';
import WebSocket from 'ws';

/**
 * Load/soak driver shared by `node bench/load.mjs` and the shortened e2e run in `npm test`:
 * `wsClients` MCP sessions over /ws and `httpClients` stateless /mcp callers, each making one
 * tools/call after another for `seconds`. Every call must succeed; RSS is sampled through
 * `rssOf()` once a second after `warmupSeconds`, so growth after warm-up can be bounded.
 * `stop()` ends the run early; calls already sent are still awaited. A client stops by itself once
 * the server refuses it because it is draining (SIGTERM under load).
 */
export function startSoak({ baseUrl, wsClients, httpClients, seconds, warmupSeconds = 2, call, rssOf, callTimeoutMs = 30_000 }) {
  const stats = { calls: 0, errors: 0, errorSamples: [], rssSamples: [], sent: 0, answered: 0, refusedWhileDraining: 0, lost: 0 };
  let running = true;
  let stopRequested;
  const stopped = new Promise((resolve) => (stopRequested = resolve));
  const stop = () => {
    running = false;
    stopRequested();
  };
  const body = (id) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: call.name, arguments: call.arguments } });
  const fail = (message) => {
    stats.errors++;
    if (stats.errorSamples.length < 10) stats.errorSamples.push(String(message).slice(0, 300));
  };
  /** Records one call's outcome; false when the client should stop (the server is draining). */
  const record = (reply) => {
    if (reply === undefined) {
      stats.lost++;
      fail('no answer');
      return true;
    }
    stats.answered++;
    if (isDrainRefusal(reply)) {
      stats.refusedWhileDraining++;
      return false;
    }
    stats.calls++;
    if (!reply.result || reply.result.isError) fail(JSON.stringify(reply));
    return true;
  };

  const wsClient = async () => {
    const socket = await openSession(`${baseUrl.replace(/^http/, 'ws')}/ws`);
    const pending = new Map();
    socket.on('message', (data) => {
      const reply = JSON.parse(data.toString());
      pending.get(reply.id)?.(reply);
    });
    socket.on('close', (code) => {
      // 1001 comes only after every admitted call was answered: what is still pending was sent
      // while the server was closing, and is refused, not lost.
      for (const settle of pending.values()) settle(code === 1001 ? DRAIN_CLOSE : undefined);
    });
    let id = 0;
    while (running && socket.readyState === WebSocket.OPEN) {
      const callId = ++id;
      stats.sent++;
      const reply = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve(undefined), callTimeoutMs);
        pending.set(callId, (message) => {
          clearTimeout(timer);
          pending.delete(callId);
          resolve(message);
        });
        socket.send(body(callId));
      });
      if (!record(reply)) break;
    }
    socket.close(1000);
  };

  const agent = new Agent({ keepAlive: true, maxSockets: Math.max(1, httpClients) });
  const httpClient = async () => {
    let id = 0;
    while (running) {
      stats.sent++;
      if (!record(await postMcp(agent, baseUrl, body(++id), callTimeoutMs))) break;
    }
  };

  let sampler = setTimeout(function sample() {
    try {
      stats.rssSamples.push(rssOf());
    } catch {
      return; // the server is gone (SIGTERM test): nothing left to sample
    }
    if (running) sampler = setTimeout(sample, 1000).unref();
  }, warmupSeconds * 1000).unref();
  const deadline = setTimeout(stop, seconds * 1000);

  const done = Promise.all([...Array.from({ length: wsClients }, wsClient), ...Array.from({ length: httpClients }, httpClient)])
    .catch((error) => fail(error?.message ?? error))
    .then(() => {
      clearTimeout(deadline);
      clearTimeout(sampler);
      running = false;
      agent.destroy();
      // Under load V8 lets the heap grow and then collects, so RSS saw-tooths; a leak shows as
      // peaks that keep rising. Growth = highest RSS of the second half of the post-warm-up
      // samples minus the highest of the first half.
      // Fewer than two samples (a run shorter than its warm-up) gives NaN, which fails any bound.
      const samples = stats.rssSamples;
      const half = Math.floor(samples.length / 2);
      const growth = half === 0 ? Number.NaN : Math.max(...samples.slice(half)) - Math.max(...samples.slice(0, half));
      return { ...stats, rssAfterWarmup: samples[0] ?? Number.NaN, rssPeak: Math.max(...samples), rssGrowthAfterWarmup: growth };
    });
  return { done, stop, stopped };
}

const DRAIN_CLOSE = { error: { message: 'connection closed with 1001: server shutting down' } };

/** A clear refusal because the server is shutting down (a new call during a drain), not a failure. */
function isDrainRefusal(reply) {
  const text = reply.error?.message ?? (reply.result?.isError ? reply.result.content?.[0]?.text : undefined);
  return typeof text === 'string' && text.includes('shutting down');
}

async function openSession(url) {
  const socket = new WebSocket(url, 'mcp', { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  const initialized = new Promise((resolve) => socket.once('message', resolve));
  socket.send(
    JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'soak', version: '1' } },
    }),
  );
  await initialized;
  socket.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
  return socket;
}

/** One stateless /mcp POST; resolves with the JSON-RPC reply (JSON or SSE), or undefined on no answer. */
function postMcp(agent, baseUrl, text, timeoutMs) {
  const url = new URL('/mcp', baseUrl);
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        timeout: timeoutMs,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-06-18',
          'content-length': Buffer.byteLength(text),
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const json = raw.startsWith('{') ? raw : /^data: (.*)$/m.exec(raw)?.[1];
          try {
            resolve(json ? JSON.parse(json) : { error: { message: `HTTP ${res.statusCode} ${raw.slice(0, 200)}` } });
          } catch {
            resolve({ error: { message: `HTTP ${res.statusCode} ${raw.slice(0, 200)}` } });
          }
        });
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end(text);
  });
}
