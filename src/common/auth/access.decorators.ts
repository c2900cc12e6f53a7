import {
  applyDecorators,
  createParamDecorator,
  SetMetadata,
  type ExecutionContext,
} from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { SiteRole } from '../../sites/entities/site-membership.entity';
import { ApiErrorResponses } from '../errors/api-error-responses.decorator';
import {
  ApiRateLimited,
  RATE_TIER,
  type DeclaredRateTier,
} from '../rate-limit/rate-limit.decorators';
import type { Principal } from './principal';

export const ACCESS_POLICY = 'access-policy';

export type AccessPolicy = { kind: 'public' } | { kind: 'authenticated'; siteRole?: SiteRole };

/**
 * Anyone may call this route. Every route must carry this or @Authenticated(). `rateLimit: false`
 * exempts it from rate limiting (health probes only).
 */
export function Public(options: { rateLimit?: boolean } = {}): MethodDecorator & ClassDecorator {
  const policy = SetMetadata(ACCESS_POLICY, { kind: 'public' } satisfies AccessPolicy);
  if (options.rateLimit === false) {
    return applyDecorators(policy, SetMetadata(RATE_TIER, 'none' satisfies DeclaredRateTier));
  }
  return applyDecorators(policy, ApiRateLimited());
}

/**
 * A valid access token of a live session is required. With `siteRole`, a current site is
 * required too and the caller's role on it must be at least that role.
 */
export function Authenticated(
  options: { siteRole?: SiteRole } = {},
): MethodDecorator & ClassDecorator {
  const policy: AccessPolicy = { kind: 'authenticated', siteRole: options.siteRole };
  const decorators = [
    SetMetadata(ACCESS_POLICY, policy),
    ApiBearerAuth('bearer'),
    ApiErrorResponses(401),
    ApiRateLimited(),
  ];
  if (options.siteRole) {
    decorators.push(
      ApiErrorResponses([
        403,
        'No site selected (SITE_CONTEXT_REQUIRED), or the role on the current site does not allow this, e.g. a member changing a record of someone else (FORBIDDEN)',
      ]),
    );
  }
  return applyDecorators(...decorators);
}

export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<FastifyRequest>().principal;
    if (!principal) {
      throw new Error('CurrentPrincipal used on a route without @Authenticated()');
    }
    return principal;
  },
);
