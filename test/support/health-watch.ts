import { request } from 'node:http';

/** What a HealthWatch saw while it ran. */
export interface HealthWatchReport {
  probes: number;
  failures: string[];
  /** Slowest answer seen, in ms. */
  slowestMs: number;
}

/**
 * Polls `/health` back to back on a fresh connection each time while an attack runs, so a
 * hostile-input test can show the process stayed alive and its event loop free. A probe that
 * gets no 200 within `timeoutMs` is a failure (the liveness probe would have failed too).
 */
export class HealthWatch {
  private readonly failures: string[] = [];
  private slowestMs = 0;
  private probes = 0;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 250,
    private readonly pauseMs = 20,
  ) {
    this.loop = this.run();
  }

  /** Stops polling and returns what was seen; call it after the attack settled. */
  async stop(): Promise<HealthWatchReport> {
    this.running = false;
    await this.loop;
    return { probes: this.probes, failures: this.failures, slowestMs: Math.round(this.slowestMs) };
  }

  private async run(): Promise<void> {
    while (this.running) {
      const started = performance.now();
      const outcome = await probe(`${this.baseUrl}/health`, this.timeoutMs);
      const elapsed = performance.now() - started;
      this.probes += 1;
      this.slowestMs = Math.max(this.slowestMs, elapsed);
      if (outcome !== 'ok') this.failures.push(`${outcome} after ${Math.round(elapsed)} ms`);
      await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
    }
  }
}

function probe(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? 'ok' : `status ${res.statusCode}`));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(`no answer within ${timeoutMs} ms`);
    });
    req.on('error', (error) => resolve(`error ${error.message}`));
    req.end();
  });
}
