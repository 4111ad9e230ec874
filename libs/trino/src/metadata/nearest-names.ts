/** How many characters must change to turn `a` into `b` (Levenshtein), case-insensitively. */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= y.length; j += 1) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[y.length];
}

/** The `limit` existing names closest to a name that does not exist, closest first (ties alphabetical). */
export function nearestNames(name: string, existing: readonly string[], limit = 3): string[] {
  return [...new Set(existing)]
    .map((candidate) => ({ candidate, distance: editDistance(name, candidate) }))
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, limit)
    .map(({ candidate }) => candidate);
}

/**
 * "Catalog \"nosuch\" does not exist; the nearest existing: \"memory\", \"system\"" — what a model can act on.
 * `where` names the container looked in ("catalog \"memory\"").
 */
export function doesNotExist(what: string, name: string, existing: readonly string[], where?: string): string {
  const nearest = nearestNames(name, existing);
  return `${what} ${JSON.stringify(name)} does not exist${where === undefined ? '' : ` in ${where}`}${nearest.length > 0 ? `; nearest existing: ${nearest.map((n) => JSON.stringify(n)).join(', ')}` : ''}`;
}
