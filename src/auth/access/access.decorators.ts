import {
  applyDecorators,
  createParamDecorator,
  SetMetadata,
  type ExecutionContext,
} from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { SiteRole } from '../../sites/entities/site-membership.entity';
import { ApiErrorResponses } from '../../common/errors/api-error-responses.decorator';
import {
  ApiRateLimited,
  RATE_TIER,
  type DeclaredRateTier,
} from '../../rate-limit/rate-limit.decorators';
import type { Principal } from './principal';

export const ACCESS_POLICY = 'access-policy';

export type AccessPolicy =
  | { kind: 'public' }
  | { kind: 'authenticated'; siteRole?: SiteRole; sessionCheckedByRead?: boolean };

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
  return authenticated({ kind: 'authenticated', siteRole: options.siteRole });
}

/**
 * A read of the current site open to every role: @Authenticated({ siteRole: 'viewer' }) whose
 * session check rides in the read's own statement, so the request costs one round trip. The
 * handler must read through SiteReads, which runs that check (test/e2e/site-reads.e2e-spec.ts
 * revokes a session under every such route).
 */
export function SiteRead(): MethodDecorator & ClassDecorator {
  return authenticated({ kind: 'authenticated', siteRole: 'viewer', sessionCheckedByRead: true });
}

function authenticated(
  policy: AccessPolicy & { kind: 'authenticated' },
): MethodDecorator & ClassDecorator {
  const decorators = [
    SetMetadata(ACCESS_POLICY, policy),
    ApiBearerAuth('bearer'),
    ApiErrorResponses(401),
    ApiRateLimited(),
  ];
  if (policy.siteRole) {
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
