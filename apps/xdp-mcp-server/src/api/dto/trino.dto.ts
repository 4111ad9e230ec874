import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';

export class TrinoQueryDto {
  @ApiPropertyOptional({ example: 'local', description: 'Dataplane to run on; optional when only one exists' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  dataplane?: string;

  @ApiProperty({ example: 'SELECT channel, count(*) AS orders FROM sales.orders GROUP BY channel ORDER BY orders DESC' })
  @IsString()
  @Length(1, 100_000)
  query!: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 10000, default: 100 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10000)
  maxRows?: number;

  @ApiPropertyOptional({ example: 'memory' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  catalog?: string;

  @ApiPropertyOptional({ example: 'sales' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  schema?: string;
}

export class TrinoDataplaneQueryDto {
  @ApiPropertyOptional({ example: 'local', description: 'Dataplane to query; optional when only one exists' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  dataplane?: string;
}

export class TrinoCatalogQueryDto extends TrinoDataplaneQueryDto {
  @ApiProperty({ example: 'memory' })
  @IsString()
  @Length(1, 256)
  catalog!: string;
}

export class TrinoTablesQueryDto extends TrinoCatalogQueryDto {
  @ApiPropertyOptional({ example: 'sales', description: 'Only this schema; all schemas when omitted' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  schema?: string;
}

export class TrinoColumnsQueryDto extends TrinoCatalogQueryDto {
  @ApiProperty({ example: 'sales' })
  @IsString()
  @Length(1, 256)
  schema!: string;

  @ApiProperty({ example: 'orders' })
  @IsString()
  @Length(1, 256)
  table!: string;
}
