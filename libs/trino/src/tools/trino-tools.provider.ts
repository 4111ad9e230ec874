import { Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ToolProvider, type ToolDefinition, type ToolSource } from '#tool-contract';
import { BACKGROUND_START_DELAY_MS } from '../routing/engine-health.monitor.js';
import type { QueryResultContent } from './query-result.format.js';
import { TrinoQueryService } from './trino-query.service.js';
import {
  DESCRIBE_TABLE_INPUT,
  type DescribeTableArgs,
  EXECUTE_QUERY_INPUT,
  type ExecuteQueryArgs,
  EXPLAIN_INPUT,
  type ExplainArgs,
  LIST_CATALOGS_INPUT,
  LIST_SCHEMAS_INPUT,
  LIST_TABLES_INPUT,
  type ListCatalogsArgs,
  type ListSchemasArgs,
  type ListTablesArgs,
  QUERY_RESULT_SCHEMA,
  TRINO_ANNOTATIONS,
} from './trino-tools.schemas.js';

/** Each tool's arguments are its input schema's (ArgumentsOf), so schema and handler cannot disagree. */
type Tool<A extends object> = ToolDefinition<A, QueryResultContent>;

/**
 * The SQL tools. There is always an engine behind them (XDP dataplanes, a direct Trino, or the
 * embedded DuckDB), so they are always registered.
 */
@ToolProvider()
@Injectable()
export class TrinoToolsProvider implements ToolSource, OnApplicationBootstrap, OnModuleDestroy {
  private warmUpTimer?: NodeJS.Timeout;

  constructor(private readonly queries: TrinoQueryService) {}

  onApplicationBootstrap(): void {
    // Parse workers load Trino's grammar (a few hundred ms of CPU each): start them once the server listens, not in the first call.
    // A worker that cannot start is reported to the statements that need it; the warm-up itself has no one to tell.
    this.warmUpTimer = setTimeout(() => void this.queries.guard.warmUp().catch(() => undefined), BACKGROUND_START_DELAY_MS);
    this.warmUpTimer.unref();
  }

  /** An application closed within the delay must not start workers afterwards; running ones are terminated. */
  async onModuleDestroy(): Promise<void> {
    clearTimeout(this.warmUpTimer);
    await this.queries.guard.close();
  }

  tools(): Tool<any>[] {
    return [this.executeQuery(), this.listCatalogs(), this.listSchemas(), this.listTables(), this.describeTable(), this.explain()];
  }

  private executeQuery(): Tool<ExecuteQueryArgs> {
    return {
      name: 'trino_execute_query',
      title: 'Run a SQL query',
      description:
        'Runs one read-only SQL statement (Trino SQL: SELECT, WITH, VALUES, SHOW, DESCRIBE, EXPLAIN) and returns up to maxRows rows. ' +
        'Writes, DDL and several statements are refused. Use trino_list_catalogs / trino_list_tables / trino_describe_table to find tables first.',
      inputSchema: EXECUTE_QUERY_INPUT,
      outputSchema: QUERY_RESULT_SCHEMA,
      annotations: TRINO_ANNOTATIONS,
      handler: (args, context) => this.queries.runUserQuery(args, { tool: 'trino_execute_query', context }),
    };
  }

  private listCatalogs(): Tool<ListCatalogsArgs> {
    return {
      name: 'trino_list_catalogs',
      title: 'List catalogs',
      description: 'Lists the catalogs of a dataplane (column "Catalog").',
      inputSchema: LIST_CATALOGS_INPUT,
      outputSchema: QUERY_RESULT_SCHEMA,
      annotations: TRINO_ANNOTATIONS,
      handler: ({ dataplane }, context) =>
        this.queries.runMetadata({ tool: 'trino_list_catalogs', context }, dataplane, {}, (m) => m.catalogs()),
    };
  }

  private listSchemas(): Tool<ListSchemasArgs> {
    return {
      name: 'trino_list_schemas',
      title: 'List schemas',
      description: 'Lists the schemas of a catalog (column "Schema").',
      inputSchema: LIST_SCHEMAS_INPUT,
      outputSchema: QUERY_RESULT_SCHEMA,
      annotations: TRINO_ANNOTATIONS,
      handler: ({ dataplane, catalog }, context) =>
        this.queries.runMetadata({ tool: 'trino_list_schemas', context }, dataplane, { catalog }, (m) => m.schemas(catalog)),
    };
  }

  private listTables(): Tool<ListTablesArgs> {
    return {
      name: 'trino_list_tables',
      title: 'List tables',
      description: 'Lists the tables and views of a catalog, or of one schema in it (columns "Schema", "Table", "Type").',
      inputSchema: LIST_TABLES_INPUT,
      outputSchema: QUERY_RESULT_SCHEMA,
      annotations: TRINO_ANNOTATIONS,
      handler: ({ dataplane, catalog, schema }, context) =>
        this.queries.runMetadata({ tool: 'trino_list_tables', context }, dataplane, { catalog, schema }, (m) => m.tables(catalog, schema)),
    };
  }

  private describeTable(): Tool<DescribeTableArgs> {
    return {
      name: 'trino_describe_table',
      title: 'Describe a table',
      description: 'Lists the columns of a table with their Trino types (columns "Column", "Type", "Extra", "Comment").',
      inputSchema: DESCRIBE_TABLE_INPUT,
      outputSchema: QUERY_RESULT_SCHEMA,
      annotations: TRINO_ANNOTATIONS,
      handler: ({ dataplane, catalog, schema, table }, context) =>
        this.queries.runMetadata({ tool: 'trino_describe_table', context }, dataplane, { catalog, schema, table }, (m) =>
          m.columns({ catalog, schema, table }),
        ),
    };
  }

  private explain(): Tool<ExplainArgs> {
    return {
      name: 'trino_explain',
      title: 'Explain a query plan',
      description: 'Shows the execution plan of a read-only statement without running it.',
      inputSchema: EXPLAIN_INPUT,
      outputSchema: QUERY_RESULT_SCHEMA,
      annotations: TRINO_ANNOTATIONS,
      handler: (args, context) =>
        this.queries.runUserQuery({ ...args, maxRows: 10_000 }, { tool: 'trino_explain', context }, { explain: true }),
    };
  }
}
