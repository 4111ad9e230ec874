/** Prefixes only this server uses: a variable carrying one that the configuration does not read is a typo or a leftover. */
const OUR_PREFIXES = /^(MCP|XDP|TRINO|AUTH)_/;
/** Other variables are named in the warning only when they are this close to a setting (LOG_LEVLE, SHUTDOWN_GRACE_SM). */
const MAX_TYPO_DISTANCE = 2;
const MIN_TYPO_LENGTH = 6;

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The closest setting no further than `limit` edits away. The length difference is a lower bound
 * of the distance, so candidates that cannot be within the limit or beat the best so far are
 * skipped without the quadratic comparison (every variable of the environment is checked at start-up).
 */
function nearest(name: string, known: readonly string[], limit: number): { name: string; distance: number } | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const lowerBound = Math.abs(name.length - candidate.length);
    if (lowerBound > limit || (best && lowerBound >= best.distance)) continue;
    const d = distance(name, candidate);
    if (!best || d < best.distance) best = { name: candidate, distance: d };
  }
  return best;
}

/**
 * One warning per environment variable that looks like a setting but is not one, naming the
 * closest real setting: a misspelled MCP_AUTH_TOKEN must not go unnoticed while the server runs without it.
 */
export function settingsWarnings(env: Readonly<Record<string, string | undefined>>, known: readonly string[]): string[] {
  const knownSet = new Set(known);
  const warnings: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (knownSet.has(name) || env[name] === undefined) continue;
    const limit = Math.max(MAX_TYPO_DISTANCE, Math.floor(name.length / 4));
    const closest = nearest(name, known, limit);
    const close = closest !== undefined && closest.distance <= limit;
    if (OUR_PREFIXES.test(name)) {
      warnings.push(
        `${name} is not a setting of this server and is ignored${close ? `: did you mean ${closest.name}?` : ' (docs/configuration.md lists every setting)'}`,
      );
    } else if (name.length >= MIN_TYPO_LENGTH && closest !== undefined && closest.distance <= MAX_TYPO_DISTANCE) {
      warnings.push(`${name} is not a setting of this server and is ignored: did you mean ${closest.name}?`);
    }
  }
  return warnings;
}
