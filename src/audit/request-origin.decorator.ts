import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { RequestOrigin } from './audit-event';

/** The request's id and client address (as TRUST_PROXY resolves it), for its audit events. */
export const Origin = createParamDecorator(
  (_data: unknown, context: ExecutionContext): RequestOrigin =>
    originOf(context.switchToHttp().getRequest()),
);

export function originOf(request: FastifyRequest): RequestOrigin {
  return { requestId: String(request.id), ip: request.ip ?? null };
}
