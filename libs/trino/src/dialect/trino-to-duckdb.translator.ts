import { rewriteForDuckDb } from './duckdb-rewrite.js';
import { splitExplain } from './explain-prefix.js';
import { UnsupportedPatternError } from './joda-pattern.js';
import { prepareTrinoSql } from './trino-prepass.js';

type Polyglot = typeof import('@polyglot-sql/sdk');

/**
 * Why a statement was not translated. A plain error (not ToolError) because translation runs in a
 * worker thread that should not load the tool contract; `kind` is the ToolError kind to report.
 */
export class TranslationError extends Error {
  constructor(
    readonly kind: 'invalid_arguments' | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'TranslationError';
  }
}

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
    throw new TranslationError(
      'unavailable',
      `The Trino-to-DuckDB translator could not load: ${error instanceof Error ? error.message : String(error)}`,
    );
  });
  return polyglot;
}

/**
 * Statements covering the transpiler's main paths: WASM code runs slowly (hundreds of ms) the first
 * time each path is taken, so warming them spares the first callers.
 */
const WARM_UP_STATEMENTS = [
  "SELECT approx_distinct(x), regexp_like(y, 'a'), date_format(z, '%Y') FROM t",
  "WITH a AS (SELECT c.id, count(*) AS n FROM s.c AS c JOIN s.o AS o ON o.cid = c.id LEFT JOIN s.p p USING (k) WHERE o.d >= DATE '2024-01-01' GROUP BY 1 HAVING count(*) > 1) SELECT id, rank() OVER (PARTITION BY id ORDER BY n DESC) FROM a ORDER BY 2 LIMIT 10",
  "SELECT CAST(x AS varchar), CASE WHEN x IN (1, 2) THEN 'a' ELSE 'b' END, transform(ARRAY[1], v -> v + 1), json_extract_scalar(j, '$.a') FROM UNNEST(sequence(1, 3)) AS t(x) UNION ALL SELECT 'x', 'y', ARRAY[2], 'z'",
];

/** Loads the transpiler and takes its main paths once, so the first callers' queries do not pay the warm-up. */
export async function warmUpTrinoTranslator(): Promise<void> {
  for (const sql of WARM_UP_STATEMENTS) await translateTrinoToDuckDb(sql);
}

/**
 * Translates one (guard-checked) Trino statement into DuckDB's dialect. Translation never decides
 * safety — the guard and DuckDB's own parser do — but it refuses to produce anything other than
 * exactly one statement. Synchronous WASM work: the server runs it in a worker (TrinoTranslator).
 */
export async function translateTrinoToDuckDb(sql: string): Promise<string> {
  const sdk = await loadPolyglot();
  try {
    const { prefix, statement } = splitExplain(sql);
    const result = sdk.transpile(prepareTrinoSql(statement), sdk.Dialect.Trino, sdk.Dialect.DuckDB);
    if (!result.success || !result.sql) {
      throw new TranslationError(
        'invalid_arguments',
        `The local engine cannot run this Trino SQL: ${result.error ?? 'translation failed'}`,
      );
    }
    if (result.sql.length !== 1) {
      throw new TranslationError('invalid_arguments', `Only one statement is allowed; the translation found ${result.sql.length}`);
    }
    return prefix + rewriteForDuckDb(result.sql[0]);
  } catch (error) {
    if (error instanceof UnsupportedPatternError) throw new TranslationError('invalid_arguments', error.message);
    throw error;
  }
}
