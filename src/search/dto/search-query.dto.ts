import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { PageQueryDto, toQueryInteger } from '../../common/pagination/page-query.dto';
import { SearchTermField } from '../../interactions/dto/search-term.field';
import { INPUT_DATETIME_MAX_LENGTH } from '../../common/openapi/schema-types';

const DATE_OR_DATETIME =
  /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

export class TextSearchQueryDto extends PageQueryDto {
  @SearchTermField('query', { required: true })
  query: string;
}

export class DateRangeQueryDto extends PageQueryDto {
  @ApiProperty({
    maxLength: INPUT_DATETIME_MAX_LENGTH,
    example: '2023-06-01',
    description:
      'YYYY-MM-DD (start of that day) or a full ISO 8601 date-time; in UTC between 0001-01-01 and 9999-12-31 (else 400)',
  })
  @IsString({ message: 'start_date must be a single value' })
  @Matches(DATE_OR_DATETIME, { message: 'start_date must be YYYY-MM-DD or an ISO 8601 date-time' })
  start_date: string;

  @ApiProperty({
    maxLength: INPUT_DATETIME_MAX_LENGTH,
    example: '2023-06-30',
    description: 'YYYY-MM-DD (the whole day is included) or a full ISO 8601 date-time (exclusive)',
  })
  @IsString({ message: 'end_date must be a single value' })
  @Matches(DATE_OR_DATETIME, { message: 'end_date must be YYYY-MM-DD or an ISO 8601 date-time' })
  end_date: string;

  @ApiPropertyOptional({
    maxLength: 64,
    example: 'America/New_York',
    description:
      'IANA time zone in which dates and date-times without offset are read; default UTC',
  })
  @IsOptional()
  @IsString({ message: 'timezone must be a single value' })
  @MaxLength(64, { message: 'timezone must be an IANA time zone name' })
  timezone?: string;
}

/** `limit` of the upcoming/recent windows (DESIGN.md §7). */
export const MAX_WINDOW_LIMIT = 50;

export class LimitQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_WINDOW_LIMIT,
    default: 10,
    example: 10,
  })
  @IsOptional()
  @Transform(toQueryInteger)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1, { message: 'limit must be between 1 and 50' })
  @Max(MAX_WINDOW_LIMIT, { message: 'limit must be between 1 and 50' })
  limit?: number;
}
