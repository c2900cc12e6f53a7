import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;
/** No offset beyond this many pages, so a request cannot make PostgreSQL walk millions of rows. */
export const MAX_PAGE = 100_000;

/** `page` and `page_size` of every list (DESIGN.md §7); out of range is 400 BAD_REQUEST. */
export class PageQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_PAGE,
    default: 1,
    example: 1,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'page must be an integer' })
  @Min(1, { message: 'page must be at least 1' })
  @Max(100_000, { message: 'page must be at most 100000' })
  page?: number;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
    example: 20,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'page_size must be an integer' })
  @Min(1, { message: `page_size must be between 1 and ${MAX_PAGE_SIZE}` })
  @Max(MAX_PAGE_SIZE, { message: `page_size must be between 1 and ${MAX_PAGE_SIZE}` })
  page_size?: number;
}

export interface PageRequest {
  page: number;
  pageSize: number;
  offset: number;
}

export function toPageRequest(query: PageQueryDto): PageRequest {
  const page = query.page ?? 1;
  const pageSize = query.page_size ?? DEFAULT_PAGE_SIZE;
  return { page, pageSize, offset: (page - 1) * pageSize };
}

export interface PageInfo {
  total: number;
  page: number;
  page_size: number;
  total_pages: number;
}

export function pageInfo(request: PageRequest, total: number): PageInfo {
  return {
    total,
    page: request.page,
    page_size: request.pageSize,
    total_pages: Math.ceil(total / request.pageSize),
  };
}
