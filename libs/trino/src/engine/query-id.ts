let sequence = 0;

/** Trino-style query id (`20260101_120000_00001_<suffix>`) for engines that have none of their own. */
export function newQueryId(suffix: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  sequence = (sequence + 1) % 100_000;
  return `${stamp}_${String(sequence).padStart(5, '0')}_${suffix}`;
}
