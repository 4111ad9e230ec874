import type { RejectionReason } from './statement-rejected.error.js';

/** What the guard learned about an accepted statement. */
export interface CheckedStatement {
  /**
   * The statement every engine receives: generated from the guard's tokens (comments dropped,
   * literals re-quoted canonically), without the trailing `;`. Never the caller's raw text.
   */
  sql: string;
  kind: StatementKind;
  /** Metadata statements in structured form, so engines that are not Trino can answer them. */
  show?: ShowStatement;
  /**
   * Every catalog the statement touches, folded to lower case (the session catalog included when
   * unqualified names resolve against it): what per-caller catalog scopes are checked against.
   */
  catalogs: string[];
}

export type StatementKind = 'query' | 'show' | 'describe' | 'explain' | 'write';

export type ShowStatement =
  | { kind: 'catalogs' }
  | { kind: 'schemas'; catalog?: string }
  | { kind: 'tables'; catalog?: string; schema?: string }
  | { kind: 'columns'; catalog?: string; schema?: string; table: string }
  | { kind: 'create_table'; catalog?: string; schema?: string; table: string };

/** The rules a statement is checked against; plain data, because it travels to a parse worker. */
export interface AnalysisPolicy {
  readOnly: boolean;
  /** Folded to lower case like Trino identifiers; empty = every catalog allowed. */
  allowedCatalogs: readonly string[];
}

export interface AnalysisContext {
  /** Session catalog the statement runs with (unqualified names resolve against it). */
  catalog?: string;
}

/** A parse worker's answer: plain data, turned into a StatementRejectedError on the main thread. */
export type AnalysisOutcome = { ok: true; statement: CheckedStatement } | { ok: false; reason: RejectionReason; message: string };
