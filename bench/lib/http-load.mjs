import { Agent, request as httpRequest } from 'node:http';
import { percentile } from './stats.mjs';

/**
 * Closed-loop load over HTTP/1.1 keep-alive: `concurrency` requests outstanding against
 * `url` for `seconds`. `body(id)` returns the JSON-RPC request text. A reply counts as an
 * error unless it is 200 and carries a JSON-RPC result (as JSON or as an SSE `data:` line).
 */
export async function runHttpLoad({ url, concurrency, seconds, warmupSeconds = 1, body, headers = {} }) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const latencies = [];
  let completed = 0;
  let errors = 0;
  let firstError;
  let measuring = false;
  let running = true;
  let nextId = 1;

  const post = (text) => new Promise((resolve) => {
    const req = httpRequest({
      agent,
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'content-length': Buffer.byteLength(text),
        ...headers,
      },
    }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => resolve({ status: 0, text: String(error) }));
    });
    req.on('error', (error) => resolve({ status: 0, text: String(error) }));
    req.end(text);
  });

  const worker = async () => {
    while (running) {
      const started = performance.now();
      const reply = await post(body(nextId++));
      if (!measuring) continue;
      latencies.push(performance.now() - started);
      completed++;
      if (!isResult(reply)) {
        errors++;
        firstError ??= `${reply.status} ${reply.text.slice(0, 300)}`;
      }
    }
  };

  const workers = Array.from({ length: concurrency }, worker);
  await delay(warmupSeconds * 1000);
  measuring = true;
  const started = performance.now();
  await delay(seconds * 1000);
  measuring = false;
  const elapsed = (performance.now() - started) / 1000;
  running = false;
  await Promise.all(workers);
  agent.destroy();
  return {
    requestsPerSecond: completed / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    completed,
    errors,
    ...(firstError ? { firstError } : {}),
  };
}

function isResult({ status, text }) {
  if (status !== 200) return false;
  const json = text.startsWith('{') ? text : /^data: (.*)$/m.exec(text)?.[1];
  if (!json) return false;
  const message = JSON.parse(json);
  return message.result !== undefined && !message.result.isError;
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
