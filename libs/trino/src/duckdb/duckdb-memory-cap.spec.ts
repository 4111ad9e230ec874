import { ToolError } from '#tool-contract';
import { memoryFailure } from './duckdb-memory-cap.js';

describe('memoryFailure', () => {
  it("answers DuckDB's out-of-memory errors with the setting to look at, without DuckDB's advice the caller cannot follow", () => {
    const error = memoryFailure(
      'Out of Memory Error: Failed to allocate block of 16777216 bytes (bad allocation)\n\nPossible solutions:\n* Reducing the number of threads (SET threads=X)',
    );
    expect(error).toBeInstanceOf(ToolError);
    expect(error).toMatchObject({ kind: 'too_large', message: expect.stringContaining('DUCKDB_MEMORY_LIMIT_MB') });
    expect(error!.message).not.toContain('SET threads');
    expect(memoryFailure('Out of Memory Error: Allocation failure')).toBeInstanceOf(ToolError);
  });

  it('leaves every other failure to the general mapping', () => {
    expect(memoryFailure('Binder Error: column "x" not found')).toBeUndefined();
    expect(memoryFailure('Invalid Input Error: out of memory in a string literal')).toBeUndefined();
  });
});
