import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export class ListDatastoresQueryDto {
  @ApiPropertyOptional({ minimum: 0, default: 0, description: 'Zero-based page number' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  size?: number;

  @ApiPropertyOptional({ example: 'updatedAt:asc', default: 'updatedAt:asc', description: '<field>:asc or <field>:desc' })
  @IsOptional()
  @Matches(/^[A-Za-z][A-Za-z0-9_]{0,63}:(asc|desc)$/, { message: 'sortBy must look like <field>:asc or <field>:desc' })
  sortBy?: string;
}
