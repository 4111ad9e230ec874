import { memoryOf } from './processes.mjs';

/**
 * `trino_execute_query` (through REST, which runs the same tool) over the fake's generated
 * 1,000,000-row result with the default row cap: time to the answer, rows returned, and the
 * server's RSS polled every 5 ms during the call, so the peak is the query's own.
 */
export async function runTrinoQuery(server) {
  // The first query of a process also pays one-off costs (SQL grammar warm-up, first upstream
  // connection); it is reported separately and the second, identical query is the figure.
  const cold = await measuredQuery(server);
  const warm = await measuredQuery(server);
  return { ...warm, coldAnswerMs: cold.answerMs, coldRssGrowthBytes: cold.rssGrowthBytes };
}

async function measuredQuery(server) {
  const before = memoryOf(server.pid).rss;
  let peak = before;
  const poll = setInterval(() => {
    peak = Math.max(peak, memoryOf(server.pid).rss);
  }, 5);
  const started = performance.now();
  const response = await fetch(`${server.url}/api/trino/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'SELECT n, label, amount FROM million' }),
  });
  const body = await response.json();
  const answerMs = performance.now() - started;
  clearInterval(poll);
  peak = Math.max(peak, memoryOf(server.pid).rss);
  if (response.status !== 200) throw new Error(`trino_execute_query answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
  return {
    answerMs,
    rowsReturned: body.structuredContent?.rowCount ?? Number.NaN,
    truncated: body.structuredContent?.truncated === true ? 1 : 0,
    rssBefore: before,
    rssPeak: peak,
    rssGrowthBytes: peak - before,
  };
}
