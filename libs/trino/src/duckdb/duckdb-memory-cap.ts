import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ToolError } from '#tool-contract';

const execFileAsync = promisify(execFile);
const MIB = 1_048_576;

/**
 * Caps the process's data memory (RLIMIT_DATA, soft limit) at `limitMb` MiB before DuckDB opens.
 *
 * DuckDB evaluates whole 2,048-row vectors before the engine reads a row, and those vectors are
 * not counted by its own `memory_limit` (that tracks only its buffer manager): one query of 1 MB
 * strings reached 3.9 GB with `memory_limit` set to 200 MB. The kernel's limit holds for every
 * allocation: past it malloc fails, and DuckDB turns the failure into an "Out of Memory Error" for
 * that query alone, after which the process carries on. RLIMIT_DATA (not RLIMIT_AS) because it
 * counts only writable private memory, so V8's large address-space reservations do not trip it.
 * Node has no setrlimit, so util-linux's `prlimit` sets it; lowering one's own soft limit needs no
 * privilege. The limit is read back, so a cap that did not take is an error, not a false promise.
 */
export async function capProcessMemory(limitMb: number): Promise<void> {
  const bytes = limitMb * MIB;
  try {
    await execFileAsync('prlimit', [`--pid=${process.pid}`, `--data=${bytes}:`]);
    const { stdout } = await execFileAsync('prlimit', [`--pid=${process.pid}`, '--data', '--raw', '--noheadings', '--output=SOFT']);
    if (stdout.trim() !== String(bytes)) throw new Error(`the soft limit reads ${stdout.trim()}`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ToolError('unavailable', `DUCKDB_MEMORY_LIMIT_MB=${limitMb} could not be applied to the process (prlimit --data): ${reason}`);
  }
}

/** DuckDB's message when an allocation failed, whichever allocator reported it. */
const OUT_OF_MEMORY = /^Out of Memory Error/;

/** A clear answer for a query stopped by the memory cap, or undefined for any other failure. */
export function memoryFailure(message: string): ToolError | undefined {
  if (!OUT_OF_MEMORY.test(message)) return undefined;
  return new ToolError(
    'too_large',
    'The query needed more memory than the embedded engine may use (DUCKDB_MEMORY_LIMIT_MB) and was stopped; ask for fewer or narrower rows, or aggregate in SQL',
  );
}
