import { ApiProperty } from '@nestjs/swagger';
import { INT32_COUNT } from '../../openapi/schema-types';
import { MAX_PAGE, MAX_PAGE_SIZE } from './page-query.dto';

/** The pagination fields every list response carries beside its items. */
export class PageInfoDto {
  @ApiProperty({ ...INT32_COUNT, example: 24, description: 'Items matching, over all pages' })
  total: number;

  @ApiProperty({ ...INT32_COUNT, minimum: 1, maximum: MAX_PAGE, example: 1 })
  page: number;

  @ApiProperty({ ...INT32_COUNT, minimum: 1, maximum: MAX_PAGE_SIZE, example: 20 })
  page_size: number;

  @ApiProperty({ ...INT32_COUNT, example: 2, description: 'ceil(total / page_size)' })
  total_pages: number;
}
