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
 */
@Injectable()
export class UnknownQueryGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const query = context.switchToHttp().getRequest<FastifyRequest>().query as
      Record<string, unknown> | undefined;
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
