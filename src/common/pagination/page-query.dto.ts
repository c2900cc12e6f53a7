import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, type TransformFnParams } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { ApiError } from '../errors/api-error';
import { ErrorCode } from '../errors/error-code';

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

/**
 * A cursor carries the last row's sort keys: about 150 characters for the built-in orders, but an
 * advanced search sorted by `description` and `notes` (5,000 characters each) needs some 14,000.
 */
export const MAX_CURSOR_LENGTH = 16_384;

/** Validation and schema of a page cursor, in a query string or a body. */
export function PageCursorField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: 'string',
      maxLength: MAX_CURSOR_LENGTH,
      example:
        'eyJzIjoiVjJsNV9HQW1wUDF2bnJHTGlrS3N6USIsInQiOjEsImsiOlsiMjAyMy0wNi0yMCAxNDowMDowMCswMCIsIjYxIl19.p2Z2cq9Ej1K7QHhQy5cH0i4Jq3Kf3m1Yb0vA0RrE6aM',
      description:
        'The `next_cursor` of the previous page, instead of `page`: the next page of the same request (same endpoint, filters and order), read after the last row seen, so rows written meanwhile neither repeat nor hide unread ones. Opaque; 400 if altered, foreign, or sent with `page`.',
    }),
    IsOptional(),
    IsString({ message: 'cursor must be a single string' }),
    Length(1, MAX_CURSOR_LENGTH, {
      message: `cursor must be 1 to ${MAX_CURSOR_LENGTH} characters long`,
    }),
  );
}

/** `page`, `page_size` and `cursor` of every list (DESIGN.md §7); out of range is 400 BAD_REQUEST. */
export class PageQueryDto {
  @PageNumberField({ fromQuery: true })
  page?: number;

  @PageSizeField('page_size', { fromQuery: true })
  page_size?: number;

  @PageCursorField()
  cursor?: string;
}

/** `page_size` and `cursor` of a list paged by cursor only (no totals, no page numbers). */
export class CursorPageQueryDto {
  @PageSizeField('page_size', { fromQuery: true })
  page_size?: number;

  @PageCursorField()
  cursor?: string;
}

export interface PageRequest {
  /** Null on a cursor page. */
  page: number | null;
  pageSize: number;
  offset: number;
  cursor?: string;
}

export function toPageRequest(query: {
  page?: number;
  page_size?: number;
  cursor?: string;
}): PageRequest {
  const pageSize = query.page_size ?? DEFAULT_PAGE_SIZE;
  if (query.cursor !== undefined) {
    if (query.page !== undefined) {
      throw new ApiError(ErrorCode.BAD_REQUEST, 'Give page or cursor, not both', {
        cursor: 'cannot be combined with page',
      });
    }
    return { page: null, pageSize, offset: 0, cursor: query.cursor };
  }
  const page = query.page ?? 1;
  return { page, pageSize, offset: (page - 1) * pageSize };
}

export interface PageInfo {
  total: number;
  total_exact: boolean;
  page: number | null;
  page_size: number;
  total_pages: number;
  next_cursor: string | null;
}

export function pageInfo(
  request: PageRequest,
  read: { total: number; totalExact: boolean; nextCursor: string | null },
): PageInfo {
  return {
    total: read.total,
    total_exact: read.totalExact,
    page: request.page,
    page_size: request.pageSize,
    total_pages: Math.ceil(read.total / request.pageSize),
    next_cursor: read.nextCursor,
  };
}
