import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, type TransformFnParams } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;
/** No offset beyond this many pages, so a request cannot make PostgreSQL walk millions of rows. */
export const MAX_PAGE = 100_000;

/**
 * A query value made of decimal digits becomes a number; anything else stays text and fails
 * IsInt, so `page=1e1`, `0x10`, ` 2` or `1.0` is a 400 rather than page 10, 16 or 2 (which
 * `Type(() => Number)` would make of them).
 */
export function toQueryInteger({ value }: TransformFnParams): unknown {
  return typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value;
}

/**
 * Validation and schema of a page number; `fromQuery` converts the query string first. Shared by
 * the query parameters of lists and the body of the advanced search.
 */
export function PageNumberField(options: { fromQuery: boolean }): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: 'integer',
      format: 'int32',
      minimum: 1,
      maximum: MAX_PAGE,
      default: 1,
      example: 1,
    }),
    IsOptional(),
    ...(options.fromQuery ? [Transform(toQueryInteger)] : []),
    IsInt({ message: 'page must be an integer' }),
    Min(1, { message: 'page must be at least 1' }),
    Max(MAX_PAGE, { message: `page must be at most ${MAX_PAGE}` }),
  );
}

/** Validation and schema of a page size named `name` (`page_size`, or `size` in the advanced search). */
export function PageSizeField(
  name: string,
  options: { fromQuery: boolean; description?: string },
): PropertyDecorator {
  const outOfRange = `${name} must be between 1 and ${MAX_PAGE_SIZE}`;
  return applyDecorators(
    ApiPropertyOptional({
      type: 'integer',
      format: 'int32',
      minimum: 1,
      maximum: MAX_PAGE_SIZE,
      default: DEFAULT_PAGE_SIZE,
      example: DEFAULT_PAGE_SIZE,
      description: options.description,
    }),
    IsOptional(),
    ...(options.fromQuery ? [Transform(toQueryInteger)] : []),
    IsInt({ message: `${name} must be an integer` }),
    Min(1, { message: outOfRange }),
    Max(MAX_PAGE_SIZE, { message: outOfRange }),
  );
}

/** `page` and `page_size` of every list (DESIGN.md §7); out of range is 400 BAD_REQUEST. */
export class PageQueryDto {
  @PageNumberField({ fromQuery: true })
  page?: number;

  @PageSizeField('page_size', { fromQuery: true })
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
  total_exact: boolean;
  page: number;
  page_size: number;
  total_pages: number;
}

export function pageInfo(
  request: PageRequest,
  counted: { total: number; totalExact: boolean },
): PageInfo {
  return {
    total: counted.total,
    total_exact: counted.totalExact,
    page: request.page,
    page_size: request.pageSize,
    total_pages: Math.ceil(counted.total / request.pageSize),
  };
}
