import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Headers, Res, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/access/access.decorators';
import { ApiError } from '../common/errors/api-error';
import { ErrorCode } from '../common/errors/error-code';
import { AppConfig } from '../config/app-config';
import { MetricsService } from './metrics.service';

/**
 * Prometheus scrape endpoint. Not an API operation (no SDK method, not under /api), so it is
 * left out of the OpenAPI document; it is protected by METRICS_TOKEN, a credential of the
 * monitoring system rather than of a user, and exempt from the per-IP rate limit like the probes.
 */
@ApiExcludeController()
@Controller({ path: 'metrics', version: VERSION_NEUTRAL })
export class MetricsController {
  private readonly tokenDigest?: Buffer;

  constructor(
    private readonly metrics: MetricsService,
    config: AppConfig,
  ) {
    this.tokenDigest = config.metrics.token ? sha256(config.metrics.token) : undefined;
  }

  @Get()
  @Public({ rateLimit: false })
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    if (this.tokenDigest) {
      const presented = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
      // Digests have equal length, so the comparison takes the same time for any token.
      if (!presented || !timingSafeEqual(sha256(presented), this.tokenDigest)) {
        throw new ApiError(ErrorCode.UNAUTHORIZED, 'A valid metrics token is required');
      }
    }
    void reply.header('Content-Type', this.metrics.contentType);
    return this.metrics.exposition();
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
