import { createHash } from 'node:crypto';

/**
 * A stable hash of a query's shape: comments dropped, string and number literals replaced by `?`,
 * whitespace collapsed, case folded. Same-shaped queries group together in the audit trail, and
 * since the literals never enter the hash, it cannot be brute-forced back to the values searched for.
 */
export function sqlFingerprint(query: string): string {
  const normalized = query
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, '?')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/;$/, '')
    .trim()
    .toLowerCase();
  return createHash('sha256').update(normalized, 'utf8').digest('hex').slice(0, 16);
}
