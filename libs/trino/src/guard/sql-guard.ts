import { StatementRejectedError } from './statement-rejected.error.js';
import { loadTrinoGrammar, type TrinoGrammar } from './trino-grammar.js';

/** What the guard learned about an accepted statement. */
export interface CheckedStatement {
  /** The statement as Trino accepts it: trailing `;` (and anything after it) removed. */
  sql: string;
  kind: StatementKind;
  /** Metadata statements in structured form, so engines that are not Trino can answer them. */
  show?: ShowStatement;
}

export type StatementKind = 'query' | 'show' | 'describe' | 'explain' | 'write';

export type ShowStatement =
  | { kind: 'catalogs' }
  | { kind: 'schemas'; catalog?: string }
  | { kind: 'tables'; catalog?: string; schema?: string }
  | { kind: 'columns'; catalog?: string; schema?: string; table: string };

export interface GuardPolicy {
  readOnly: boolean;
  /** Empty = every catalog allowed. */
  allowedCatalogs: readonly string[];
  /** Longest the parser may hold the event loop for one statement (default 3000 ms; generous because a loaded CPU slows it). */
  parseBudgetMs?: number;
}

const DEFAULT_PARSE_BUDGET_MS = 3000;

export interface GuardContext {
  /** Session catalog the statement runs with (unqualified names resolve against it). */
  catalog?: string;
}

type ParseTreeNode = { children?: ParseTreeNode[] | null; start?: { line: number; column: number } | null; getText(): string };

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

/** Pass-through table functions send their text to the connector's database, where it could be a write. */
const PASS_THROUGH_TABLE_FUNCTIONS = new Set(['query', 'raw_query']);

/**
 * Decides whether a caller's SQL may run, by parsing it with Trino's grammar — not keyword
 * regexes. Comments and string literals are tokens of the lexer, so they can neither hide nor
 * smuggle a statement. Accepted: exactly one statement (a trailing `;` is dropped); in read-only
 * mode only queries (SELECT, WITH…, VALUES, TABLE), SHOW, DESCRIBE, and EXPLAIN (EXPLAIN ANALYZE
 * runs its statement, so that must itself be a read).
 */
export class SqlGuard {
  constructor(private readonly policy: GuardPolicy) {}

  /** Resolves once the grammar is loaded, so the first caller does not pay for it. */
  async warmUp(): Promise<void> {
    await this.check('SELECT 1');
  }

  async check(sql: string, context: GuardContext = {}): Promise<CheckedStatement> {
    const grammar = await loadTrinoGrammar();
    try {
      return this.checkParsed(grammar, sql, context);
    } catch (error) {
      // Thousands of chained operators make parse trees deeper than the stack; such SQL is refused, not crashed on.
      if (error instanceof RangeError) throw tooComplex();
      throw error;
    }
  }

  private checkParsed(grammar: TrinoGrammar, sql: string, context: GuardContext): CheckedStatement {
    const { statement, text } = parseSingleStatement(grammar, sql, this.policy.parseBudgetMs ?? DEFAULT_PARSE_BUDGET_MS);
    const kind = classify(grammar, statement);
    if (this.policy.readOnly && kind === 'write') {
      throw new StatementRejectedError('not_read_only', `Read-only mode allows only SELECT, WITH, VALUES, SHOW, DESCRIBE and EXPLAIN; got ${describeStatement(statement)}`);
    }
    if (this.policy.readOnly) rejectPassThroughQueries(grammar, statement);
    this.checkCatalogs(grammar, statement, context);
    return { sql: text, kind, show: showStatement(grammar, statement) };
  }

  private checkCatalogs(grammar: TrinoGrammar, statement: ParseTreeNode, context: GuardContext): void {
    if (this.policy.allowedCatalogs.length === 0) return;
    const referenced = referencedCatalogs(grammar, statement, context.catalog);
    const denied = [...referenced].filter((catalog) => !this.policy.allowedCatalogs.includes(catalog));
    if (denied.length > 0) {
      throw new StatementRejectedError('catalog_not_allowed', `Catalog ${denied.map((c) => `"${c}"`).join(', ')} is not allowed; allowed catalogs: ${this.policy.allowedCatalogs.join(', ')}`);
    }
  }

  isCatalogAllowed(catalog: string): boolean {
    return this.policy.allowedCatalogs.length === 0 || this.policy.allowedCatalogs.includes(catalog);
  }
}

/**
 * Deeper nesting (parentheses, brackets, CASE…END) is refused before parsing: the parser runs on
 * the event loop and its cost for a new nesting shape grows steeply with depth.
 */
export const MAX_NESTING_DEPTH = 32;

class ParseBudgetExceeded extends Error {}

/** Checked on rule entries: the parser runs on the event loop, so a statement may not hold it longer than the budget. */
function parseBudget(budgetMs: number) {
  const deadline = performance.now() + budgetMs;
  let rules = 0;
  return {
    enterEveryRule: () => {
      rules += 1;
      if (rules % 64 === 0 && performance.now() > deadline) throw new ParseBudgetExceeded();
    },
    exitEveryRule: () => undefined,
    visitTerminal: () => undefined,
    visitErrorNode: () => undefined,
  };
}

function parseSingleStatement(grammar: TrinoGrammar, sql: string, budgetMs: number): { statement: ParseTreeNode; text: string } {
  const { antlr, parser: parserModule, TrinoSqlLexer } = grammar;
  const errors: string[] = [];
  const listener = {
    syntaxError: (_recognizer: unknown, _symbol: unknown, line: number, column: number, message: string) => {
      errors.push(`line ${line}:${column + 1}: ${message}`);
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
  if (errors.length > 0) throw new StatementRejectedError('syntax', `SQL could not be parsed (${errors[0]})`);
  checkNesting(tokens.getTokens(), new Set([TrinoSqlLexer.T__0, TrinoSqlLexer.T__7, TrinoSqlLexer.KW_CASE]), new Set([TrinoSqlLexer.T__1, TrinoSqlLexer.T__8, TrinoSqlLexer.KW_END]));

  // Two-stage parsing (ANTLR's recommendation): the fast SLL mode settles almost every input;
  // only when it gives up is the input parsed again in full LL mode, which also reports errors.
  const parser = new parserModule.TrinoSqlParser(tokens);
  parser.removeErrorListeners();
  parser.addParseListener(parseBudget(budgetMs));
  parser.errorHandler = new antlr.BailErrorStrategy();
  parser.interpreter.predictionMode = antlr.PredictionMode.SLL;
  let single: ReturnType<typeof parser.singleStatement> | undefined;
  try {
    single = parser.singleStatement();
  } catch (error) {
    if (error instanceof ParseBudgetExceeded) throw tooComplex();
    single = undefined;
  }
  // SLL may also settle for a shorter statement than the input holds; only LL decides that.
  if (single === undefined || tokens.LA(1) !== antlr.Token.EOF) {
    tokens.seek(0);
    parser.reset();
    parser.errorHandler = new antlr.DefaultErrorStrategy();
    parser.interpreter.predictionMode = antlr.PredictionMode.LL;
    parser.addErrorListener(listener);
    try {
      single = parser.singleStatement();
    } catch (error) {
      throw error instanceof ParseBudgetExceeded ? tooComplex() : error;
    }
  }
  if (errors.length > 0) throw new StatementRejectedError('syntax', `SQL could not be parsed (${errors[0]})`);
  const next = tokens.LT(1);
  if (next && next.type !== antlr.Token.EOF) {
    throw new StatementRejectedError('multiple_statements', `Only one statement is allowed; found more SQL at line ${next.line}:${next.column + 1}`);
  }
  const statement = single.statement();
  // Trino rejects a trailing ';', so the text sent ends where the statement's last token ends.
  const semicolon = single.SEMICOLON();
  const text = semicolon ? sql.slice(0, semicolon.symbol.start).trimEnd() : sql.trim();
  return { statement: statement as unknown as ParseTreeNode, text };
}

function tooComplex(): StatementRejectedError {
  return new StatementRejectedError('syntax', 'SQL is too long or too deeply nested to check; simplify the statement');
}

function checkNesting(tokens: readonly { type: number; line: number; column: number }[], opening: ReadonlySet<number>, closing: ReadonlySet<number>): void {
  let depth = 0;
  for (const token of tokens) {
    if (opening.has(token.type)) depth += 1;
    else if (closing.has(token.type)) depth -= 1;
    if (depth > MAX_NESTING_DEPTH) {
      throw new StatementRejectedError('syntax', `SQL nests parentheses, brackets or CASE deeper than ${MAX_NESTING_DEPTH} levels (line ${token.line}:${token.column + 1})`);
    }
  }
}

function classify(grammar: TrinoGrammar, statement: ParseTreeNode): StatementKind {
  const { parser } = grammar;
  if (statement instanceof parser.ExplainContext) return 'explain';
  if (statement instanceof parser.ExplainAnalyzeContext) {
    return classify(grammar, statement.statement() as unknown as ParseTreeNode) === 'write' ? 'write' : 'explain';
  }
  return READ_STATEMENTS[statement.constructor.name] ?? 'write';
}

function describeStatement(statement: ParseTreeNode): string {
  const name = statement.constructor.name.replace(/Context$/, '');
  return `a ${name.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase()} statement`;
}

function* walk(node: ParseTreeNode): Generator<ParseTreeNode> {
  yield node;
  for (const child of node.children ?? []) yield* walk(child);
}

function rejectPassThroughQueries(grammar: TrinoGrammar, statement: ParseTreeNode): void {
  for (const node of walk(statement)) {
    if (!(node instanceof grammar.parser.TableFunctionCallContext)) continue;
    const name = node.functionName().getText().split('.').pop() ?? '';
    if (PASS_THROUGH_TABLE_FUNCTIONS.has(identifierValue(name))) {
      throw new StatementRejectedError('not_read_only', `Table function "${node.functionName().getText()}" passes SQL to the connector's database and is not allowed in read-only mode`);
    }
  }
}

/** Catalogs a statement names: explicit `catalog.schema.table` parts, else the session catalog. */
function referencedCatalogs(grammar: TrinoGrammar, statement: ParseTreeNode, sessionCatalog: string | undefined): Set<string> {
  const { parser } = grammar;
  const catalogs = new Set<string>();
  const addSession = () => {
    if (sessionCatalog !== undefined) catalogs.add(sessionCatalog);
  };
  for (const node of walk(statement)) {
    if (node instanceof parser.TableRefContext || node instanceof parser.ViewRefContext) {
      const parts = node.identifier();
      if (parts.length >= 3) catalogs.add(identifierValue(parts[0].getText()));
      else addSession();
    } else if (node instanceof parser.SchemaRefContext) {
      const parts = node.identifier();
      if (parts.length >= 2) catalogs.add(identifierValue(parts[0].getText()));
      else addSession();
    } else if (node instanceof parser.CatalogRefContext) {
      catalogs.add(identifierValue(node.identifier().getText()));
    }
  }
  if (statement instanceof parser.ShowSchemasContext && !statement.catalogRef()) addSession();
  if (statement instanceof parser.ShowTablesContext && !statement.schemaRef()) addSession();
  return catalogs;
}

function showStatement(grammar: TrinoGrammar, statement: ParseTreeNode): ShowStatement | undefined {
  const { parser } = grammar;
  if (statement instanceof parser.ShowCatalogsContext) return { kind: 'catalogs' };
  if (statement instanceof parser.ShowSchemasContext) {
    const ref = statement.catalogRef();
    return { kind: 'schemas', catalog: ref ? identifierValue(ref.identifier().getText()) : undefined };
  }
  if (statement instanceof parser.ShowTablesContext) {
    const parts = statement.schemaRef()?.identifier().map((part) => identifierValue(part.getText())) ?? [];
    return parts.length === 2 ? { kind: 'tables', catalog: parts[0], schema: parts[1] } : { kind: 'tables', schema: parts[0] };
  }
  if (statement instanceof parser.ShowColumnsContext) {
    const ref = statement.tableOrViewName().tableRef();
    const parts = ref?.identifier().map((part) => identifierValue(part.getText())) ?? [];
    if (parts.length === 0) return undefined;
    const [table, schema, catalog] = [...parts].reverse();
    return { kind: 'columns', catalog, schema, table };
  }
  return undefined;
}

/** Trino folds unquoted identifiers to lower case; quoted ones keep their case with `""` unescaped. */
export function identifierValue(text: string): string {
  if (text.startsWith('"') && text.endsWith('"')) return text.slice(1, -1).replaceAll('""', '"');
  if (text.startsWith('`') && text.endsWith('`')) return text.slice(1, -1).replaceAll('``', '`');
  return text.toLowerCase();
}

