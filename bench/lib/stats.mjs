/** Small statistics helpers shared by every bench scenario. */
import { cpuTimeMs } from './processes.mjs';

export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Nearest-rank percentile of an unsorted sample (p in 0..100). */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function round(value, digits = 2) {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Medians of each numeric field across repeated runs of the same scenario. */
export function medianOfRuns(runs) {
  const keys = Object.keys(runs[0] ?? {}).filter((key) => typeof runs[0][key] === 'number');
  return Object.fromEntries(keys.map((key) => [key, median(runs.map((run) => run[key]))]));
}

export function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Bookkeeping shared by the closed-loop load drivers: only replies that land inside the measured
 * window (after the warm-up) count. `describeError` is called for the first error only. With the
 * server's `pid`, the summary also carries the server's CPU time per reply and its share of a core
 * over the window: CPU per call does not depend on how much of the core the server was given,
 * so it shows when other work on the machine took part of the core from a measurement. The
 * load generator's (this process's) share of its core is in the summary too.
 */
export function createLoadRecorder({ pid } = {}) {
  const latencies = [];
  let completed = 0;
  let errors = 0;
  let firstError;
  let measuring = false;
  let elapsedSeconds = Number.NaN;
  let serverCpuMs = Number.NaN;
  let generatorCpuMs = Number.NaN;
  return {
    record(latencyMs, describeError) {
      if (!measuring) return;
      latencies.push(latencyMs);
      completed++;
      if (describeError) {
        errors++;
        firstError ??= describeError().slice(0, 300);
      }
    },
    /** Waits out the warm-up, then measures for `seconds`. */
    async measure(warmupSeconds, seconds) {
      await delay(warmupSeconds * 1000);
      measuring = true;
      const started = performance.now();
      const cpuBefore = pid ? cpuTimeMs(pid) : Number.NaN;
      const generatorBefore = process.cpuUsage();
      await delay(seconds * 1000);
      measuring = false;
      elapsedSeconds = (performance.now() - started) / 1000;
      serverCpuMs = pid ? cpuTimeMs(pid) - cpuBefore : Number.NaN;
      const generator = process.cpuUsage(generatorBefore);
      generatorCpuMs = (generator.user + generator.system) / 1000;
    },
    summary() {
      return {
        requestsPerSecond: completed / elapsedSeconds,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        completed,
        errors,
        generatorCpuShare: generatorCpuMs / 1000 / elapsedSeconds,
        ...(pid ? { serverCpuUsPerRequest: (serverCpuMs * 1000) / completed, serverCpuShare: serverCpuMs / 1000 / elapsedSeconds } : {}),
        ...(firstError ? { firstError } : {}),
      };
    },
  };
}
