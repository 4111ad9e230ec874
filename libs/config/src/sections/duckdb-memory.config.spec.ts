import { loadAppConfig } from '../app-config.js';

describe('DUCKDB_MEMORY_LIMIT_MB', () => {
  it('is off unless set, and read as MiB', () => {
    expect(loadAppConfig({}).trino.duckdbMemoryLimitMb).toBeUndefined();
    expect(loadAppConfig({ DUCKDB_MEMORY_LIMIT_MB: '0' }).trino.duckdbMemoryLimitMb).toBeUndefined();
    expect(loadAppConfig({ DUCKDB_MEMORY_LIMIT_MB: '512' }).trino.duckdbMemoryLimitMb).toBe(512);
  });

  it('refuses a limit the idle server already exceeds, and anything not a whole number', () => {
    expect(() => loadAppConfig({ DUCKDB_MEMORY_LIMIT_MB: '128' })).toThrow(
      /DUCKDB_MEMORY_LIMIT_MB must be 0 \(no limit\) or at least 400 \(got 128\)/,
    );
    expect(() => loadAppConfig({ DUCKDB_MEMORY_LIMIT_MB: '512MB' })).toThrow(/DUCKDB_MEMORY_LIMIT_MB must be an integer/);
  });
});
