import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ToolErrorKind } from '#tool-contract';

export class FieldProblemDto {
  @ApiProperty({ example: 'size' })
  field!: string;

  @ApiProperty({ example: 'must be <= 100' })
  message!: string;
}

export class ApiErrorBodyDto {
  @ApiProperty({ example: 400 })
  status!: number;

  @ApiProperty({ example: 'invalid_arguments', description: 'Stable machine-readable error code' })
  code!: string;

  @ApiProperty({ example: 'size must not be greater than 100' })
  message!: string;

  @ApiPropertyOptional({ type: [FieldProblemDto] })
  fields?: FieldProblemDto[];
}

/** The one error shape every REST endpoint answers with. */
export class ApiErrorDto {
  @ApiProperty({ type: ApiErrorBodyDto })
  error!: ApiErrorBodyDto;
}

export const STATUS_BY_KIND: Record<ToolErrorKind, number> = {
  invalid_arguments: 400,
  forbidden: 403,
  not_found: 404,
  rate_limited: 429,
  cancelled: 499,
  internal: 500,
  upstream: 502,
  unavailable: 503,
  busy: 503,
  too_large: 413,
  timeout: 504,
};
