import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PrincipalResolver } from '../auth/principal-resolver';
import { MetricsService } from '../metrics/metrics.service';
import { ApiError } from '../common/errors/api-error';
import { ErrorCode } from '../common/errors/error-code';
import { RATE_TIER, type DeclaredRateTier } from './rate-limit.decorators';
import { RateLimiter, type RateTierName } from './rate-limiter';

/**
 * The first global guard (DESIGN.md §8): picks the one tier that governs the request, counts it,
 * stamps the X-RateLimit-* headers (they survive an error response: the exception filter only adds
 * to the reply's headers) and refuses with 429 once the budget is spent. It runs before the access
 * guard, so a flood of bad tokens is limited by IP.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly principals: PrincipalResolver,
    private readonly limiter: RateLimiter,
    private readonly metrics: MetricsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const declared = this.reflector.getAllAndOverride<DeclaredRateTier | undefined>(RATE_TIER, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (declared === 'none') {
      return true;
    }
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const [tier, subject] = this.tierOf(request, declared);
    const verdict = await this.limiter.consume(tier, subject);
    void http
      .getResponse<FastifyReply>()
      .header('X-RateLimit-Limit', verdict.limit)
      .header('X-RateLimit-Remaining', verdict.remaining)
      .header('X-RateLimit-Reset', verdict.resetAt);
    if (!verdict.allowed) {
      this.metrics.recordRateLimitRejection(tier);
      throw new ApiError(
        ErrorCode.RATE_LIMITED,
        `Too many requests; retry in ${verdict.retryAfterSeconds} s`,
        undefined,
        { 'Retry-After': String(verdict.retryAfterSeconds) },
      );
    }
    return true;
  }

  private tierOf(
    request: FastifyRequest,
    declared: 'auth' | 'search' | undefined,
  ): [RateTierName, string] {
    const byIp = `ip:${request.ip}`;
    if (declared === 'auth') {
      return ['auth', byIp];
    }
    if (!request.headers.authorization) {
      return ['anonymous', byIp];
    }
    // An invalid token is anonymous here; the access guard turns the same outcome into a 401. The
    // token alone names the user: the session is the access guard's (or the read's) to check.
    let userId: number;
    try {
      userId = this.principals.subjectOf(request.headers.authorization).userId;
    } catch {
      return ['anonymous', byIp];
    }
    return [declared ?? 'authenticated', `user:${userId}`];
  }
}
