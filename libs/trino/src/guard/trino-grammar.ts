import { register } from 'node:module';

/**
 * dt-sql-parser ships Trino's own ANTLR grammar (the only npm parser that accepts all of Trino's
 * statements: EXPLAIN, VALUES, SHOW …, FETCH FIRST, GROUPING SETS, table functions), but its ESM
 * build uses extensionless relative imports, which Node's ESM loader refuses. This resolve hook
 * adds the `.js` only for relative imports made from inside that package. Under CommonJS (the test
 * runner) `require` resolves such paths itself, so no hook is needed there.
 */
const EXTENSIONLESS_RESOLVER = `
export async function resolve(specifier, context, nextResolve) {
  if (context.parentURL && context.parentURL.includes('/node_modules/dt-sql-parser/') && /^\\.\\.?\\//.test(specifier) && !/\\.[cm]?js$/.test(specifier)) {
    return nextResolve(specifier + '.js', context);
  }
  return nextResolve(specifier, context);
}`;

async function importGrammar() {
  if (typeof require === 'undefined') register(`data:text/javascript,${encodeURIComponent(EXTENSIONLESS_RESOLVER)}`);
  const [antlr, parser, lexer] = await Promise.all([
    import('antlr4ng'),
    import('dt-sql-parser/dist/lib/trino/TrinoSqlParser.js'),
    import('dt-sql-parser/dist/lib/trino/TrinoSqlLexer.js'),
  ]);
  return { antlr, parser, TrinoSqlLexer: lexer.TrinoSqlLexer };
}

export type TrinoGrammar = Awaited<ReturnType<typeof importGrammar>>;

let loading: Promise<TrinoGrammar> | undefined;

/** Loads the grammar once per process (≈200 ms); callers share the same promise. */
export function loadTrinoGrammar(): Promise<TrinoGrammar> {
  loading ??= importGrammar();
  return loading;
}
