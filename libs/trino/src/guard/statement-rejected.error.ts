import { ToolError } from '#tool-contract';

/** Why the guard refused a statement; also the `reason` label of the rejected-statements metric. */
export type RejectionReason = 'syntax' | 'multiple_statements' | 'not_read_only' | 'catalog_not_allowed';

export class StatementRejectedError extends ToolError {
  constructor(
    readonly reason: RejectionReason,
    message: string,
  ) {
    super(reason === 'syntax' || reason === 'multiple_statements' ? 'invalid_arguments' : 'forbidden', message);
    this.name = 'StatementRejectedError';
  }
}
