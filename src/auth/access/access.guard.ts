import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { SITE_ROLES, type SiteRole } from '../../sites/entities/site-membership.entity';
import { ApiError } from '../../common/errors/api-error';
import { ErrorCode } from '../../common/errors/error-code';
import { ACCESS_POLICY, type AccessPolicy } from './access.decorators';
import { PrincipalResolver } from '../principal-resolver';

/**
 * The one global guard: a route runs only if it declares its access policy and the caller
 * satisfies it. A route without a policy is refused, so a forgotten decorator fails closed.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly principals: PrincipalResolver,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const policy = this.reflector.getAllAndOverride<AccessPolicy | undefined>(ACCESS_POLICY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!policy) {
      throw new Error(
        `Route ${context.getClass().name}.${context.getHandler().name} declares no access policy`,
      );
    }
    if (policy.kind === 'public') {
      return true;
    }
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = policy.sessionCheckedByRead
      ? await this.principals.forSiteRead(request)
      : await this.principals.forRequest(request);
    request.principal = principal;
    if (policy.siteRole) {
      assertSiteRole(principal.currentSiteId, principal.role, policy.siteRole);
    }
    return true;
  }
}

/** 403 unless a site is selected and `role` on it is at least `required`. */
export function assertSiteRole(
  currentSiteId: number | null,
  role: SiteRole | null,
  required: SiteRole,
): void {
  if (currentSiteId === null || role === null) {
    throw new ApiError(
      ErrorCode.SITE_CONTEXT_REQUIRED,
      'Select a site first with POST /api/v1/auth/site',
    );
  }
  if (SITE_ROLES.indexOf(role) < SITE_ROLES.indexOf(required)) {
    throw new ApiError(
      ErrorCode.FORBIDDEN,
      `This action needs the ${required} role on the current site`,
    );
  }
}
