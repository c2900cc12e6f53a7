import { ApiProperty } from '@nestjs/swagger';
import { INT32_COUNT } from '../../openapi/schema-types';
import { MAX_PAGE, MAX_PAGE_SIZE } from './page-query.dto';

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

  @ApiProperty({ ...INT32_COUNT, minimum: 1, maximum: MAX_PAGE, example: 1 })
  page: number;

  @ApiProperty({ ...INT32_COUNT, minimum: 1, maximum: MAX_PAGE_SIZE, example: 20 })
  page_size: number;

  @ApiProperty({
    ...INT32_COUNT,
    example: 2,
    description: 'ceil(total / page_size); a lower bound when `total_exact` is false',
  })
  total_pages: number;
}
