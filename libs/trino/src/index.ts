export type { CellValue, EngineKind, QueryEngine, QueryProgress, QueryRequest, QueryResult, ResultColumn } from './engine/query-engine.js';
export { DuckDbEngine, type DuckDbEngineOptions } from './duckdb/duckdb.engine.js';
export { DataplaneRouter } from './routing/dataplane.router.js';
export { DirectTrinoEngine } from './direct/trino-direct.engine.js';
export type { TrinoClientOptions } from './direct/trino-rest.client.js';
export { SqlGuard, type CheckedStatement, type GuardPolicy } from './guard/sql-guard.js';
export { StatementRejectedError, type RejectionReason } from './guard/statement-rejected.error.js';
export { TrinoModule } from './trino.module.js';
