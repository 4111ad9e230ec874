import { Agent, request as httpRequest } from 'node:http';
import { createLoadRecorder } from './stats.mjs';

/**
 * Closed-loop load over HTTP/1.1 keep-alive: `concurrency` requests outstanding against
 * `url` for `seconds`. `body(id)` returns the JSON-RPC request text. A reply counts as an
 * error unless it is 200 and carries a JSON-RPC result (as JSON or as an SSE `data:` line).
 * `pid` (the server's) adds its CPU time per request to the summary.
 */
export async function runHttpLoad({ url, concurrency, seconds, warmupSeconds = 1, body, headers = {}, pid }) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const recorder = createLoadRecorder({ pid });
  let running = true;
  let nextId = 1;

  const post = (text) =>
    new Promise((resolve) => {
      const req = httpRequest(
        {
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
        },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (error) => resolve({ status: 0, text: String(error) }));
        },
      );
      req.on('error', (error) => resolve({ status: 0, text: String(error) }));
      req.end(text);
    });

  const worker = async () => {
    while (running) {
      const started = performance.now();
      const reply = await post(body(nextId++));
      recorder.record(performance.now() - started, isResult(reply) ? undefined : () => `${reply.status} ${reply.text}`);
    }
  };

  const workers = Array.from({ length: concurrency }, worker);
  await recorder.measure(warmupSeconds, seconds);
  running = false;
  await Promise.all(workers);
  agent.destroy();
  return recorder.summary();
}

function isResult({ status, text }) {
  if (status !== 200) return false;
  const json = text.startsWith('{') ? text : /^data: (.*)$/m.exec(text)?.[1];
  if (!json) return false;
  const message = JSON.parse(json);
  return message.result !== undefined && !message.result.isError;
}
