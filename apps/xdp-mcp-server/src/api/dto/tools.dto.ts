import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Matches } from 'class-validator';

export class ExecuteToolDto {
  @ApiProperty({ example: 'trino_execute_query', description: 'Tool name as listed by POST /api/tools/list' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'tool must be 1-64 characters of A-Z, a-z, 0-9, _ or -' })
  tool!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { query: 'SELECT channel, count(*) AS orders FROM sales.orders GROUP BY channel ORDER BY orders DESC' },
    description: "The tool's arguments, validated against its published inputSchema",
  })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Alias of `params`, named as in MCP tools/call; send one or the other',
  })
  @IsOptional()
  @IsObject()
  arguments?: Record<string, unknown>;
}

export class ToolAnnotationsDto {
  @ApiPropertyOptional() readOnlyHint?: boolean;
  @ApiPropertyOptional() destructiveHint?: boolean;
  @ApiPropertyOptional() idempotentHint?: boolean;
  @ApiPropertyOptional() openWorldHint?: boolean;
}

export class PublishedToolDto {
  @ApiProperty({ example: 'trino_execute_query' }) name!: string;
  @ApiProperty({ example: 'Run a read-only SQL query' }) title!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'JSON Schema (2020-12) of the arguments' })
  inputSchema!: Record<string, unknown>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'JSON Schema of structuredContent' })
  outputSchema?: Record<string, unknown>;
  @ApiProperty({ type: ToolAnnotationsDto }) annotations!: ToolAnnotationsDto;
}

export class ToolListDto {
  @ApiProperty({ type: [PublishedToolDto] })
  tools!: PublishedToolDto[];
}

export class TextContentDto {
  @ApiProperty({ enum: ['text'] }) type!: 'text';
  @ApiProperty({ example: '2 rows' }) text!: string;
}

/** MCP `CallToolResult`, identical to what /ws, /mcp and stdio return. */
export class ToolResultDto {
  @ApiProperty({ type: [TextContentDto] })
  content!: TextContentDto[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Present when the tool declares an outputSchema' })
  structuredContent?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'true when the tool ran but failed; REST answers such results with a 4xx/5xx status' })
  isError?: boolean;
}
