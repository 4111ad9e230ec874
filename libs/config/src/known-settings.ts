import { loadAppConfig } from './app-config.js';
import { ConfigValidationError } from './config.error.js';
import type { Env } from './env-reader.js';

/**
 * Every environment variable name the configuration reads, sorted. Derived by running the real
 * loader over an empty environment that records each lookup, so deployment manifests can be
 * checked against what the app actually reads instead of a hand-kept list that drifts.
 */
export function knownSettings(): string[] {
  const names = new Set<string>();
  const record = (name: string | symbol): void => {
    if (typeof name === 'string') names.add(name);
  };
  const recordingEnv = new Proxy<Env>(
    {},
    {
      get: (_target, name) => (record(name), undefined),
      has: (_target, name) => (record(name), false),
    },
  );
  try {
    loadAppConfig(recordingEnv, []);
  } catch (error) {
    // Rules that reject an empty environment (e.g. required settings) do not hide what was read.
    if (!(error instanceof ConfigValidationError)) throw error;
  }
  return [...names].sort();
}
