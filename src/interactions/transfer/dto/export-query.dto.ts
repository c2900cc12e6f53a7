import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { SearchTermField } from '../../dto/search-term.field';

export const EXPORT_FORMATS = ['ndjson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The filters of `GET /interactions` (no paging: the export is every match) and the format. */
export class ExportInteractionsQueryDto {
  @ApiPropertyOptional({
    enum: EXPORT_FORMATS,
    default: 'ndjson',
    description:
      '`ndjson`: one JSON interaction per line (application/x-ndjson); `csv`: a header line, then one row per interaction (text/csv)',
  })
  @IsOptional()
  @IsIn(EXPORT_FORMATS, { message: `format must be one of ${EXPORT_FORMATS.join(', ')}` })
  format?: ExportFormat;

  @SearchTermField('search', { required: false })
  search?: string;
}
