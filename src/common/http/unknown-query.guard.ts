import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error';
import { ErrorCode } from '../errors/error-code';

/**
 * A route that takes no `@Query()` DTO accepts no query parameters: `GET /sites?pagesize=5` is a
 * 400 naming `pagesize`, not a silent default (DESIGN.md §7). Routes with a query DTO are
 * covered by the validation pipe's `forbidNonWhitelisted`.
 *
 * On every route, a query string that is not percent-encoded UTF-8 (`?search=%C3%28`, `%FF`) is a
 * 400 as well: Fastify's parser would hand such a value on undecoded, as if `%` were meant.
 */
@Injectable()
export class UnknownQueryGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    rejectMalformedEncoding(request.url);
    const query = request.query as Record<string, unknown> | undefined;
    const names = Object.keys(query ?? {});
    if (names.length === 0 || takesQuery(context)) {
      return true;
    }
    throw new ApiError(
      ErrorCode.BAD_REQUEST,
      `Unknown query parameter(s): ${names.join(', ')}`,
      Object.fromEntries(names.map((name) => [name, 'is not a parameter of this endpoint'])),
    );
  }
}

function takesQuery(context: ExecutionContext): boolean {
  const routeArgs = (Reflect.getMetadata(
    ROUTE_ARGS_METADATA,
    context.getClass(),
    context.getHandler().name,
  ) ?? {}) as Record<string, unknown>;
  return Object.keys(routeArgs).some((key) => key.startsWith(`${RouteParamtypes.QUERY}:`));
}

function rejectMalformedEncoding(url: string): void {
  const start = url.indexOf('?');
  if (start < 0) {
    return;
  }
  const malformed = url
    .slice(start + 1)
    .split('&')
    .filter((pair) => !decodes(pair));
  if (malformed.length > 0) {
    throw new ApiError(
      ErrorCode.BAD_REQUEST,
      'The query string is not valid percent-encoded UTF-8',
      Object.fromEntries(
        malformed.map((pair) => [pair.split('=')[0], 'is not valid percent-encoded UTF-8']),
      ),
    );
  }
}

function decodes(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}
