import { errorClassOf, kindOfDuckDbError, kindOfTrinoError } from './engine-error.taxonomy.js';

describe('engine error taxonomy: limits', () => {
  it.each([
    'EXCEEDED_GLOBAL_MEMORY_LIMIT',
    'EXCEEDED_LOCAL_MEMORY_LIMIT',
    'EXCEEDED_USER_MEMORY_LIMIT',
    'EXCEEDED_SPILL_LIMIT',
    'EXCEEDED_SCAN_LIMIT',
  ])('Trino %s is too_large, a limit the caller fixes by narrowing the query', (errorName) => {
    expect(kindOfTrinoError({ errorName, errorType: 'INSUFFICIENT_RESOURCES' })).toBe('too_large');
    expect(errorClassOf('too_large')).toBe('user');
  });

  it('time limits stay timeouts and a full queue stays busy', () => {
    expect(kindOfTrinoError({ errorName: 'EXCEEDED_TIME_LIMIT', errorType: 'INSUFFICIENT_RESOURCES' })).toBe('timeout');
    expect(kindOfTrinoError({ errorName: 'QUERY_QUEUE_FULL', errorType: 'INSUFFICIENT_RESOURCES' })).toBe('busy');
  });

  it("DuckDB's Out of Memory Error is too_large", () => {
    expect(kindOfDuckDbError('Out of Memory Error: could not allocate block of size 256.0 KiB (1.0 MiB/1.0 MiB used)')).toBe('too_large');
  });
});
