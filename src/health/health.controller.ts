import { Controller, Get, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/access/access.decorators';
import { ApiError } from '../common/errors/api-error';
import { ApiErrorResponses } from '../common/errors/api-error-responses.decorator';
import { ErrorCode } from '../common/errors/error-code';
import { RateLimiter } from '../rate-limit/rate-limiter';
import { ShutdownState } from './shutdown-state';

class HealthDto {
  @ApiProperty({
    enum: ['ok', 'degraded'],
    example: 'ok',
    description: '`ok`, or `degraded` when Redis (shared rate-limit counters) does not answer',
  })
  status: string;

  @ApiProperty({
    type: 'object',
    description: 'One entry per checked dependency (`database`, `redis` when configured)',
    maxProperties: 10,
    additionalProperties: {
      type: 'object',
      required: ['status'],
      properties: {
        status: { type: 'string', enum: ['up', 'down'] },
        responseTime: {
          type: 'integer',
          format: 'int32',
          minimum: 0,
          maximum: 2_147_483_647,
          description: 'Milliseconds the database ping took',
        },
      },
    },
    example: { database: { status: 'up', responseTime: 1 }, redis: { status: 'up' } },
  })
  info: Record<string, { status: string; responseTime?: number }>;
}

@ApiTags('Health')
@Controller({ path: 'health', version: VERSION_NEUTRAL })
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly rateLimiter: RateLimiter,
    private readonly shutdown: ShutdownState,
  ) {}

  @Get('live')
  @Public({ rateLimit: false })
  @ApiOperation({
    operationId: 'health_live',
    summary: 'The process is up',
    description: 'Checks nothing but the process itself; not rate limited.',
  })
  @ApiOkResponse({ type: HealthDto, description: 'Alive (`info` is empty)' })
  live(): HealthDto {
    return { status: 'ok', info: {} };
  }

  @Get('ready')
  @Public({ rateLimit: false })
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({
    operationId: 'health_ready',
    summary: 'The process can serve: the database answers',
    description:
      'With REDIS_URL, also reports Redis. Redis down is `degraded` but still 200: each instance ' +
      'then counts rate limits in its own memory until Redis is back. From SIGTERM on, 503 ' +
      '(`shutting_down`) while the process still serves for SHUTDOWN_READY_DELAY, then drains.',
  })
  @ApiOkResponse({
    type: HealthDto,
    description: 'Ready (`status` is `degraded` when Redis is down)',
  })
  @ApiErrorResponses([
    503,
    'A dependency is down, or the process is shutting down (SERVICE_UNAVAILABLE); details say which',
  ])
  async ready(): Promise<HealthDto> {
    if (this.shutdown.isShuttingDown) {
      throw new ApiError(
        ErrorCode.SERVICE_UNAVAILABLE,
        'Shutting down',
        { instance: 'shutting_down' },
        { 'Retry-After': '5' },
      );
    }
    let info: HealthDto['info'];
    try {
      const result = await this.health.check([
        () => this.database.pingCheck('database', { timeout: 1_500 }),
      ]);
      info = (result.info ?? {}) as HealthDto['info'];
    } catch {
      throw new ApiError(
        ErrorCode.SERVICE_UNAVAILABLE,
        'Not ready',
        { database: 'down' },
        { 'Retry-After': '5' },
      );
    }
    const redis = await this.rateLimiter.redisStatus();
    if (redis) {
      info.redis = { status: redis };
    }
    return { status: redis === 'down' ? 'degraded' : 'ok', info };
  }
}
