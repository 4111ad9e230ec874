import { GracefulShutdown } from '#observability';
import { getJson, postJson, startTestServer, type TestServer } from './support/app-harness.js';

const slowCall = (url: string, ms: number) => postJson(`${url}/api/tools/execute`, { tool: 'test_slow', params: { ms, steps: 4 } });

/** Waits until the server has admitted `count` calls, so the drain starts with them in flight. */
async function untilInFlight(server: TestServer, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const { body } = await getJson(`${server.url}/metrics`);
    const match = /^xdp_mcp_tool_calls_in_flight (\d+)/m.exec(String(body));
    if (match && Number(match[1]) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never saw ${count} call(s) in flight`);
}

describe('Graceful shutdown (e2e, in process)', () => {
  describe('within the grace period', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer({ env: { SHUTDOWN_GRACE_MS: '10000' } });
    });

    afterAll(async () => {
      await server.close();
    });

    it('turns /ready 503 at once, refuses new calls, and lets the running call finish', async () => {
      expect((await getJson(`${server.url}/ready`)).status).toBe(200);
      const running = slowCall(server.url, 600);
      await untilInFlight(server, 1);

      const drained = server.app.get(GracefulShutdown).drain();
      const ready = await getJson(`${server.url}/ready`);
      expect(ready.status).toBe(503);
      expect(ready.body.error.server.phase).toBe('draining');

      const refused = await postJson(`${server.url}/api/tools/execute`, { tool: 'test_echo', params: { message: 'late' } });
      expect(refused.status).toBe(503);
      expect(refused.body.error).toMatchObject({ code: 'unavailable', message: expect.stringContaining('shutting down') });

      const finished = await running;
      expect(finished.status).toBe(200);
      expect(finished.body.content[0].text).toBe('waited 600 ms');
      await drained;
    });
  });

  describe('past the grace period', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer({ env: { SHUTDOWN_GRACE_MS: '200' } });
    });

    afterAll(async () => {
      await server.close();
    });

    it('aborts calls still running at the deadline and answers them with a clear error', async () => {
      const running = slowCall(server.url, 30_000);
      await untilInFlight(server, 1);
      const started = Date.now();
      await server.app.get(GracefulShutdown).drain();
      const answer = await running;
      expect(Date.now() - started).toBeLessThan(5000);
      expect(answer.status).toBe(503);
      expect(answer.body.isError).toBe(true);
      expect(answer.body.error).toMatchObject({ code: 'unavailable', message: expect.stringContaining('grace period of 200 ms elapsed') });
      const metrics = await getJson(`${server.url}/metrics`);
      expect(String(metrics.body)).toMatch(/^xdp_mcp_tool_calls_in_flight 0$/m);
    });
  });
});
