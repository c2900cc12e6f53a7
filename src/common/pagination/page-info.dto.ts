import { ApiProperty } from '@nestjs/swagger';

/** The pagination fields every list response carries beside its items. */
export class PageInfoDto {
  @ApiProperty({ example: 24, description: 'Items matching, over all pages' })
  total: number;

  @ApiProperty({ example: 1 })
  page: number;

  @ApiProperty({ example: 20 })
  page_size: number;

  @ApiProperty({ example: 2, description: 'ceil(total / page_size)' })
  total_pages: number;
}
