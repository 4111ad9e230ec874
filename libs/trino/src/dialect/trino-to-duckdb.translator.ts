import { ToolError } from '#tool-contract';
import { rewriteForDuckDb } from './duckdb-rewrite.js';
import { splitExplain } from './explain-prefix.js';
import { UnsupportedPatternError } from './joda-pattern.js';
import { prepareTrinoSql } from './trino-prepass.js';

type Polyglot = typeof import('@polyglot-sql/sdk');

let polyglot: Promise<Polyglot> | undefined;

/**
 * The WASM transpiler costs about 2 s to load and warm, so it is loaded on the first statement that
 * needs it (or by warmUpTrinoTranslator once the local engine is in use), never at server startup.
 */
function loadPolyglot(): Promise<Polyglot> {
  polyglot ??= (async () => {
    const sdk = await import('@polyglot-sql/sdk');
    // The ESM build initialises itself on import; the CommonJS build (used under Jest) needs init().
    if (!sdk.isInitialized()) await sdk.init();
    return sdk;
  })().catch((error: unknown) => {
    polyglot = undefined;
    throw new ToolError('unavailable', `The Trino-to-DuckDB translator could not load: ${error instanceof Error ? error.message : String(error)}`);
  });
  return polyglot;
}

/** Loads the transpiler and runs one statement through it, so the first caller's query does not pay the warm-up. */
export async function warmUpTrinoTranslator(): Promise<void> {
  await translateTrinoToDuckDb('SELECT approx_distinct(x), regexp_like(y, \'a\'), date_format(z, \'%Y\') FROM t');
}

/**
 * Translates one (guard-checked) Trino statement into DuckDB's dialect. Translation never decides
 * safety — the guard and DuckDB's own parser do — but it refuses to produce anything other than
 * exactly one statement.
 */
export async function translateTrinoToDuckDb(sql: string): Promise<string> {
  const sdk = await loadPolyglot();
  try {
    const { prefix, statement } = splitExplain(sql);
    const result = sdk.transpile(prepareTrinoSql(statement), sdk.Dialect.Trino, sdk.Dialect.DuckDB);
    if (!result.success || !result.sql) {
      throw new ToolError('invalid_arguments', `The local engine cannot run this Trino SQL: ${result.error ?? 'translation failed'}`);
    }
    if (result.sql.length !== 1) {
      throw new ToolError('invalid_arguments', `Only one statement is allowed; the translation found ${result.sql.length}`);
    }
    return prefix + rewriteForDuckDb(result.sql[0]);
  } catch (error) {
    if (error instanceof UnsupportedPatternError) throw new ToolError('invalid_arguments', error.message);
    throw error;
  }
}
