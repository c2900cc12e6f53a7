import { ApiProperty } from '@nestjs/swagger';
import { INT32_COUNT } from '../openapi/schema-types';
import { MAX_CURSOR_LENGTH, MAX_PAGE, MAX_PAGE_SIZE } from './page-query.dto';

/** The pagination fields every list response carries beside its items. */
export class PageInfoDto {
  @ApiProperty({
    ...INT32_COUNT,
    example: 24,
    description:
      "Items matching, over all pages, counted up to the server's TOTAL_LIMIT (10,000 by default): past it, `total` is that limit and `total_exact` is false",
  })
  total: number;

  @ApiProperty({
    type: 'boolean',
    example: true,
    description:
      'False when counting stopped at TOTAL_LIMIT: there are more matches than `total`, and pages past `total_pages` are still served (follow them until a page comes back short). The unfiltered `GET /interactions` is always exact.',
  })
  total_exact: boolean;

  @ApiProperty({
    ...INT32_COUNT,
    minimum: 1,
    maximum: MAX_PAGE,
    example: 1,
    nullable: true,
    description: 'The page number asked for; null on a page read with `cursor`',
  })
  page: number | null;

  @ApiProperty({ ...INT32_COUNT, minimum: 1, maximum: MAX_PAGE_SIZE, example: 20 })
  page_size: number;

  @ApiProperty({
    ...INT32_COUNT,
    example: 2,
    description: 'ceil(total / page_size); a lower bound when `total_exact` is false',
  })
  total_pages: number;

  @ApiProperty({
    type: 'string',
    maxLength: MAX_CURSOR_LENGTH,
    nullable: true,
    example:
      'eyJzIjoiVjJsNV9HQW1wUDF2bnJHTGlrS3N6USIsInQiOjEsImsiOlsiMjAyMy0wNi0yMCAxNDowMDowMCswMCIsIjYxIl19.p2Z2cq9Ej1K7QHhQy5cH0i4Jq3Kf3m1Yb0vA0RrE6aM',
    description:
      'Send it as `cursor` (with the same filters) for the next page; null on the last page. Its cost does not grow with depth, unlike `page`.',
  })
  next_cursor: string | null;
}
