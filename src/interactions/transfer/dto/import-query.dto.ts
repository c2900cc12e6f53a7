import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export const IMPORT_MODES = ['all_or_nothing', 'valid_only'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

export class ImportInteractionsQueryDto {
  @ApiPropertyOptional({
    enum: IMPORT_MODES,
    default: 'all_or_nothing',
    description:
      '`all_or_nothing`: any invalid row fails the import (422) and nothing is written; `valid_only`: the valid rows are written and every row is reported',
  })
  @IsOptional()
  @IsIn(IMPORT_MODES, { message: `mode must be one of ${IMPORT_MODES.join(', ')}` })
  mode?: ImportMode;
}
