import { canonicalSql, canonicalToken, NotReEmittableError, type CanonicalTokenTypes, type SqlToken } from './canonical-sql.js';
import type {
  AnalysisContext,
  AnalysisOutcome,
  AnalysisPolicy,
  CheckedStatement,
  ShowStatement,
  StatementKind,
} from './checked-statement.js';
import type { RejectionReason } from './statement-rejected.error.js';
import type { TrinoGrammar } from './trino-grammar.js';

/**
 * Deeper nesting (parentheses, brackets, CASE…END) is refused before parsing: the parser's cost for
 * a new nesting shape grows steeply with depth.
 */
export const MAX_NESTING_DEPTH = 32;

/**
 * Tokens a statement may have (comments and whitespace not counted). A 5,000-value IN list is
 * about 10,000; beyond the cap parsing would only cost time, so it is refused after lexing.
 */
export const MAX_STATEMENT_TOKENS = 25_000;

export const TOO_COMPLEX_MESSAGE = 'SQL is too long or too complex to check; simplify the statement';

type ParseTreeNode = { children?: ParseTreeNode[] | null; getText(): string };
type Grammar = TrinoGrammar;

/** Read-only statements; every other statement class of the grammar is a write, DDL, session or transaction statement. */
const READ_STATEMENTS: Record<string, StatementKind> = {
  StatementDefaultContext: 'query',
  ShowCatalogsContext: 'show',
  ShowSchemasContext: 'show',
  ShowTablesContext: 'show',
  ShowColumnsContext: 'describe',
  ShowCreateTableContext: 'show',
  ShowCreateSchemaContext: 'show',
  ShowCreateViewContext: 'show',
  ShowCreateMaterializedViewContext: 'show',
  ShowCreateFunctionContext: 'show',
  ShowStatsContext: 'show',
  ShowStatsForQueryContext: 'show',
  ShowFunctionsContext: 'show',
  ShowSessionContext: 'show',
  ShowGrantsContext: 'show',
  ShowRolesContext: 'show',
  ShowRoleGrantsContext: 'show',
  ShowTableCommentContext: 'show',
  ShowColumnCommentContext: 'show',
  DescribeInputContext: 'describe',
  DescribeOutputContext: 'describe',
};

/** How a rejection names a statement class whose grammar name is not its SQL (e.g. InsertInto → INSERT). */
const STATEMENT_NAMES: Record<string, string> = {
  InsertIntoContext: 'INSERT',
  GrantPrivilegesContext: 'GRANT',
  RevokePrivilegesContext: 'REVOKE',
  GrantRolesContext: 'GRANT ROLE',
  RevokeRolesContext: 'REVOKE ROLE',
  AddColumnContext: 'ALTER TABLE ADD COLUMN',
  DropColumnContext: 'ALTER TABLE DROP COLUMN',
  RenameColumnContext: 'ALTER TABLE RENAME COLUMN',
  SetColumnTypeContext: 'ALTER TABLE ALTER COLUMN SET DATA TYPE',
  DropNotNullConstraintContext: 'ALTER TABLE ALTER COLUMN DROP NOT NULL',
  RenameTableContext: 'ALTER TABLE RENAME',
  SetTablePropertiesContext: 'ALTER TABLE SET PROPERTIES',
  SetTableAuthorizationContext: 'ALTER TABLE SET AUTHORIZATION',
  TableExecuteContext: 'ALTER TABLE EXECUTE',
  RenameSchemaContext: 'ALTER SCHEMA RENAME',
  SetSchemaAuthorizationContext: 'ALTER SCHEMA SET AUTHORIZATION',
  RenameViewContext: 'ALTER VIEW RENAME',
  SetViewAuthorizationContext: 'ALTER VIEW SET AUTHORIZATION',
  RenameMaterializedViewContext: 'ALTER MATERIALIZED VIEW RENAME',
  SetMaterializedViewPropertiesContext: 'ALTER MATERIALIZED VIEW SET PROPERTIES',
  CommentTableContext: 'COMMENT ON TABLE',
  CommentViewContext: 'COMMENT ON VIEW',
  CommentColumnContext: 'COMMENT ON COLUMN',
  StatementDefaultContext: 'query',
};

/** Pass-through table functions send their text to the connector's database, where it could be a write. */
const PASS_THROUGH_TABLE_FUNCTIONS = new Set(['query', 'raw_query']);

class Rejection extends Error {
  constructor(
    readonly reason: RejectionReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Decides whether a caller's SQL may run, by parsing it with Trino's grammar — not keyword
 * regexes. Accepted: exactly one statement (a trailing `;` is dropped); in read-only mode only
 * queries (SELECT, WITH…, VALUES, TABLE), SHOW, DESCRIBE, and EXPLAIN (EXPLAIN ANALYZE runs its
 * statement, so that must itself be a read); every catalog it touches on the allow-list. The
 * accepted statement's text is re-emitted from the tokens that were checked (see canonicalSql).
 * Runs inside a parse worker: it returns plain data and may take as long as the worker is allowed.
 */
export function analyzeStatement(grammar: Grammar, sql: string, policy: AnalysisPolicy, context: AnalysisContext): AnalysisOutcome {
  try {
    return { ok: true, statement: analyze(grammar, sql, policy, context) };
  } catch (error) {
    if (error instanceof Rejection) return { ok: false, reason: error.reason, message: error.message };
    if (error instanceof NotReEmittableError) return { ok: false, reason: 'syntax', message: `SQL cannot be checked: ${error.message}` };
    // Thousands of chained operators make parse trees deeper than the stack; such SQL is refused, not crashed on.
    if (error instanceof RangeError) return { ok: false, reason: 'syntax', message: TOO_COMPLEX_MESSAGE };
    throw error;
  }
}

function analyze(grammar: Grammar, sql: string, policy: AnalysisPolicy, context: AnalysisContext): CheckedStatement {
  const { statement, tokens } = parseSingleStatement(grammar, sql);
  const kind = classify(grammar, statement);
  if (policy.readOnly && kind === 'write') {
    throw new Rejection(
      'not_read_only',
      `Read-only mode allows only SELECT, WITH, VALUES, SHOW, DESCRIBE and EXPLAIN; got ${describeStatement(grammar, statement)}`,
    );
  }
  if (policy.readOnly) rejectPassThroughQueries(grammar, statement);
  const catalogs = referencedCatalogs(grammar, statement, context.catalog === undefined ? undefined : foldedName(context.catalog));
  checkCatalogs(catalogs, policy);
  return { sql: reEmit(grammar, tokens), kind, show: showStatement(grammar, statement), catalogs: [...catalogs] };
}

/**
 * A parser error names the token it stumbled on, not ANTLR's list of every token the grammar would
 * have taken there (dozens of keywords a model cannot act on). Lexer errors have no token and keep
 * their own message ("token recognition error at: '`'").
 */
function offendingToken(symbol: { type?: number; text?: string }, eof: number): string {
  return symbol.type === eof ? 'the statement ends too early' : `unexpected ${JSON.stringify(symbol.text ?? '')}`;
}

function parseSingleStatement(grammar: Grammar, sql: string): { statement: ParseTreeNode; tokens: SqlToken[] } {
  const { antlr, parser: parserModule, TrinoSqlLexer } = grammar;
  const errors: string[] = [];
  const listener = {
    syntaxError: (_recognizer: unknown, symbol: unknown, line: number, column: number, message: string) => {
      const token = symbol as { type?: number; text?: string } | null | undefined;
      errors.push(`line ${line}:${column + 1}: ${token ? offendingToken(token, antlr.Token.EOF) : message}`);
    },
    reportAmbiguity: () => undefined,
    reportAttemptingFullContext: () => undefined,
    reportContextSensitivity: () => undefined,
  };
  const lexer = new TrinoSqlLexer(antlr.CharStreams.fromString(sql));
  lexer.removeErrorListeners();
  lexer.addErrorListener(listener);
  const tokens = new antlr.CommonTokenStream(lexer);
  tokens.fill();
  if (errors.length > 0) throw new Rejection('syntax', `SQL could not be parsed (${errors[0]})`);
  const visible = tokens.getTokens().filter((token) => token.channel === antlr.Token.DEFAULT_CHANNEL);
  if (visible.length > MAX_STATEMENT_TOKENS)
    throw new Rejection('syntax', `${TOO_COMPLEX_MESSAGE} (more than ${MAX_STATEMENT_TOKENS} tokens)`);
  checkNesting(
    visible,
    new Set([TrinoSqlLexer.T__0, TrinoSqlLexer.T__7, TrinoSqlLexer.KW_CASE]),
    new Set([TrinoSqlLexer.T__1, TrinoSqlLexer.T__8, TrinoSqlLexer.KW_END]),
  );

  // Two-stage parsing (ANTLR's recommendation): the fast SLL mode settles almost every input;
  // only when it gives up is the input parsed again in full LL mode, which also reports errors.
  const parser = new parserModule.TrinoSqlParser(tokens);
  parser.removeErrorListeners();
  parser.errorHandler = new antlr.BailErrorStrategy();
  parser.interpreter.predictionMode = antlr.PredictionMode.SLL;
  let single: ReturnType<typeof parser.singleStatement> | undefined;
  try {
    single = parser.singleStatement();
  } catch {
    single = undefined;
  }
  // SLL may also settle for a shorter statement than the input holds; only LL decides that.
  if (single === undefined || tokens.LA(1) !== antlr.Token.EOF) {
    tokens.seek(0);
    parser.reset();
    parser.errorHandler = new antlr.DefaultErrorStrategy();
    parser.interpreter.predictionMode = antlr.PredictionMode.LL;
    parser.addErrorListener(listener);
    single = parser.singleStatement();
  }
  if (errors.length > 0) throw new Rejection('syntax', `SQL could not be parsed (${errors[0]})`);
  const next = tokens.LT(1);
  if (next && next.type !== antlr.Token.EOF) {
    // More SQL after a `;` is a second statement; without one, the statement itself did not parse
    // (e.g. DuckDB's `range(10) t(x)`), which must not be reported as "more than one statement".
    const before = visible.filter((token) => token.tokenIndex < next.tokenIndex).at(-1);
    if (before?.text === ';')
      throw new Rejection('multiple_statements', `Only one statement is allowed; found more SQL at line ${next.line}:${next.column + 1}`);
    throw new Rejection(
      'syntax',
      `SQL could not be parsed (line ${next.line}:${next.column + 1}: unexpected ${JSON.stringify(next.text ?? '')})`,
    );
  }
  const statement = single.statement();
  // Only the statement's own tokens are re-emitted: the trailing `;` (Trino rejects it) and comments are not.
  const start = statement.start?.tokenIndex ?? 0;
  const stop = statement.stop?.tokenIndex ?? -1;
  const own = visible.filter((token) => token.tokenIndex >= start && token.tokenIndex <= stop);
  return {
    statement: statement as unknown as ParseTreeNode,
    tokens: own.map((token) => ({ type: token.type, text: token.text ?? '', line: token.line, column: token.column })),
  };
}

function canonicalTypes(grammar: Grammar): CanonicalTokenTypes {
  const { TrinoSqlLexer } = grammar;
  return {
    STRING: TrinoSqlLexer.STRING,
    UNICODE_STRING: TrinoSqlLexer.UNICODE_STRING,
    BINARY_LITERAL: TrinoSqlLexer.BINARY_LITERAL,
    QUOTED_IDENTIFIER: TrinoSqlLexer.QUOTED_IDENTIFIER,
    BACKQUOTED_IDENTIFIER: TrinoSqlLexer.BACKQUOTED_IDENTIFIER,
    DIGIT_IDENTIFIER: TrinoSqlLexer.DIGIT_IDENTIFIER,
    UNRECOGNIZED: TrinoSqlLexer.UNRECOGNIZED,
    KW_UESCAPE: TrinoSqlLexer.KW_UESCAPE,
  };
}

/**
 * The canonical text, verified: lexed again, it must give exactly the tokens that were checked.
 * A mismatch would mean the re-emission is wrong for some input, so the statement is refused.
 */
function reEmit(grammar: Grammar, tokens: readonly SqlToken[]): string {
  const types = canonicalTypes(grammar);
  const text = canonicalSql(tokens, types);
  const expected = tokens.map((token, index) => canonicalToken(token, tokens[index + 1], types));
  const { antlr, TrinoSqlLexer } = grammar;
  const lexer = new TrinoSqlLexer(antlr.CharStreams.fromString(text));
  lexer.removeErrorListeners();
  const stream = new antlr.CommonTokenStream(lexer);
  stream.fill();
  const actual = stream.getTokens().filter((token) => token.channel === antlr.Token.DEFAULT_CHANNEL && token.type !== antlr.Token.EOF);
  const same =
    actual.length === expected.length &&
    actual.every((token, index) => token.type === expected[index].type && token.text === expected[index].text);
  if (!same) throw new Rejection('syntax', 'SQL cannot be checked: its canonical form does not lex back to the same tokens');
  return text;
}

function checkNesting(
  tokens: readonly { type: number; line: number; column: number }[],
  opening: ReadonlySet<number>,
  closing: ReadonlySet<number>,
): void {
  let depth = 0;
  for (const token of tokens) {
    if (opening.has(token.type)) depth += 1;
    else if (closing.has(token.type)) depth -= 1;
    if (depth > MAX_NESTING_DEPTH) {
      throw new Rejection(
        'syntax',
        `SQL nests parentheses, brackets or CASE deeper than ${MAX_NESTING_DEPTH} levels (line ${token.line}:${token.column + 1})`,
      );
    }
  }
}

function classify(grammar: Grammar, statement: ParseTreeNode): StatementKind {
  const { parser } = grammar;
  if (statement instanceof parser.ExplainContext) return 'explain';
  if (statement instanceof parser.ExplainAnalyzeContext) {
    return classify(grammar, statement.statement() as unknown as ParseTreeNode) === 'write' ? 'write' : 'explain';
  }
  return READ_STATEMENTS[statement.constructor.name] ?? 'write';
}

/** "an INSERT statement", "a DROP TABLE statement", "EXPLAIN ANALYZE of a DELETE statement". */
export function describeStatement(grammar: Grammar, statement: ParseTreeNode): string {
  if (statement instanceof grammar.parser.ExplainAnalyzeContext) {
    return `EXPLAIN ANALYZE of ${describeStatement(grammar, statement.statement() as unknown as ParseTreeNode)}`;
  }
  const className = statement.constructor.name;
  const name =
    STATEMENT_NAMES[className] ??
    className
      .replace(/Context$/, '')
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toUpperCase();
  return `${indefiniteArticle(name)} ${name} statement`;
}

/** By sound, not spelling: "an UPDATE", "an EXECUTE", but "a USE". */
export function indefiniteArticle(word: string): 'a' | 'an' {
  return /^(?:[aeio]|u(?!se\b|ni))/i.test(word) ? 'an' : 'a';
}

function* walk(node: ParseTreeNode): Generator<ParseTreeNode> {
  yield node;
  for (const child of node.children ?? []) yield* walk(child);
}

/** Trino folds every identifier, quoted or not, to lower case when it matches catalogs and functions. */
export function foldedName(text: string): string {
  return identifierValue(text).toLowerCase();
}

function rejectPassThroughQueries(grammar: Grammar, statement: ParseTreeNode): void {
  for (const node of walk(statement)) {
    if (!(node instanceof grammar.parser.TableFunctionCallContext)) continue;
    const parts = node.functionName().qualifiedName().identifier();
    if (PASS_THROUGH_TABLE_FUNCTIONS.has(foldedName(parts[parts.length - 1].getText()))) {
      throw new Rejection(
        'not_read_only',
        `Table function "${parts.map((part) => part.getText()).join('.')}" passes SQL to the connector's database and is not allowed in read-only mode`,
      );
    }
  }
}

function checkCatalogs(referenced: ReadonlySet<string>, policy: AnalysisPolicy): void {
  if (policy.allowedCatalogs.length === 0) return;
  const denied = [...referenced].filter((catalog) => !policy.allowedCatalogs.includes(catalog));
  if (denied.length > 0) {
    throw new Rejection(
      'catalog_not_allowed',
      `Catalog ${denied.map((c) => `"${c}"`).join(', ')} is not allowed; allowed catalogs: ${policy.allowedCatalogs.join(', ')}`,
    );
  }
}

/**
 * Every catalog a statement touches, folded: the first part of fully qualified table, view and
 * schema names (else the session catalog), of 3-part function and table-function names (2-part
 * ones resolve in the session catalog), of SHOW GRANTS / SHOW … targets, and catalog names.
 * EXPLAIN's inner statement is part of the tree, so it is covered by the same walk.
 */
function referencedCatalogs(grammar: Grammar, statement: ParseTreeNode, sessionCatalog: string | undefined): Set<string> {
  const { parser } = grammar;
  const catalogs = new Set<string>();
  const addSession = () => {
    if (sessionCatalog !== undefined) catalogs.add(sessionCatalog);
  };
  /** `parts` names an object `depth` levels below its catalog: a catalog prefix is present only when there are more parts. */
  const addQualified = (parts: readonly { getText(): string }[], depth: number) => {
    if (parts.length > depth) catalogs.add(foldedName(parts[0].getText()));
    else addSession();
  };
  for (const node of walk(statement)) {
    if (
      node instanceof parser.TableRefContext ||
      node instanceof parser.ViewRefContext ||
      node instanceof parser.TableNameCreateContext ||
      node instanceof parser.ViewNameCreateContext
    ) {
      addQualified(node.identifier(), 2);
    } else if (node instanceof parser.SchemaRefContext || node instanceof parser.SchemaNameCreateContext) {
      addQualified(node.identifier(), 1);
    } else if (node instanceof parser.CatalogRefContext || node instanceof parser.CatalogNameCreateContext) {
      catalogs.add(foldedName(node.identifier().getText()));
    } else if (node instanceof parser.FunctionNameContext) {
      // One part: a built-in (or a path function; SET PATH is never accepted). Two: schema.fn of the session catalog.
      const parts = node.qualifiedName().identifier();
      if (parts.length > 1) addQualified(parts, 2);
    } else if (node instanceof parser.GrantObjectContext) {
      addQualified(node.qualifiedName().identifier(), node.entityKind()?.KW_SCHEMA() ? 1 : 2);
    } else if (node instanceof parser.ColumnRefContext && statement instanceof parser.ShowColumnCommentContext) {
      addQualified(node.qualifiedName()?.identifier() ?? [], 3);
    } else if (hasCatalogLabel(node)) {
      catalogs.add(foldedName(node._catalog.getText()));
    }
  }
  const listsSessionCatalog =
    (statement instanceof parser.ShowSchemasContext && !statement.catalogRef()) ||
    (statement instanceof parser.ShowTablesContext && !statement.schemaRef()) ||
    (statement instanceof parser.ShowGrantsContext && !statement.grantObject()) ||
    ((statement instanceof parser.ShowRolesContext || statement instanceof parser.ShowRoleGrantsContext) && !statement.catalogRef());
  if (listsSessionCatalog) addSession();
  return catalogs;
}

/** Role statements label their `IN catalog` part; any such label names a catalog. */
function hasCatalogLabel(node: ParseTreeNode): node is ParseTreeNode & { _catalog: { getText(): string } } {
  const label = (node as { _catalog?: unknown })._catalog;
  return typeof label === 'object' && label !== null && typeof (label as { getText?: unknown }).getText === 'function';
}

function showStatement(grammar: Grammar, statement: ParseTreeNode): ShowStatement | undefined {
  const { parser } = grammar;
  if (statement instanceof parser.ShowCatalogsContext) return { kind: 'catalogs' };
  if (statement instanceof parser.ShowSchemasContext) {
    const ref = statement.catalogRef();
    return { kind: 'schemas', catalog: ref ? identifierValue(ref.identifier().getText()) : undefined };
  }
  if (statement instanceof parser.ShowTablesContext) {
    const parts =
      statement
        .schemaRef()
        ?.identifier()
        .map((part) => identifierValue(part.getText())) ?? [];
    return parts.length === 2 ? { kind: 'tables', catalog: parts[0], schema: parts[1] } : { kind: 'tables', schema: parts[0] };
  }
  if (statement instanceof parser.ShowColumnsContext) {
    const ref = statement.tableOrViewName().tableRef();
    const parts = ref?.identifier().map((part) => identifierValue(part.getText())) ?? [];
    if (parts.length === 0) return undefined;
    const [table, schema, catalog] = [...parts].reverse();
    return { kind: 'columns', catalog, schema, table };
  }
  if (statement instanceof parser.ShowCreateTableContext) {
    const parts = statement
      .tableRef()
      .identifier()
      .map((part) => identifierValue(part.getText()));
    if (parts.length === 0) return undefined;
    const [table, schema, catalog] = [...parts].reverse();
    return { kind: 'create_table', catalog, schema, table };
  }
  return undefined;
}

/** An identifier's name as written: unquoted ones fold to lower case; quoted ones keep their case with `""` unescaped. */
export function identifierValue(text: string): string {
  if (text.startsWith('"') && text.endsWith('"')) return text.slice(1, -1).replaceAll('""', '"');
  if (text.startsWith('`') && text.endsWith('`')) return text.slice(1, -1).replaceAll('``', '`');
  return text.toLowerCase();
}
