import { Controller, Get, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../common/auth/access.decorators';
import { ApiError } from '../common/errors/api-error';
import { ApiErrorResponses } from '../common/errors/api-error-responses.decorator';
import { ErrorCode } from '../common/errors/error-code';

class HealthDto {
  @ApiProperty({ example: 'ok' })
  status: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'object', properties: { status: { type: 'string' } } },
    example: { database: { status: 'up' } },
  })
  info: Record<string, { status: string }>;
}

@ApiTags('Health')
@Controller({ path: 'health', version: VERSION_NEUTRAL })
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
  ) {}

  @Get('live')
  @Public()
  @ApiOperation({ operationId: 'health_live', summary: 'The process is up' })
  @ApiOkResponse({ type: HealthDto })
  live(): HealthDto {
    return { status: 'ok', info: {} };
  }

  @Get('ready')
  @Public()
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({
    operationId: 'health_ready',
    summary: 'The process can serve: the database answers',
  })
  @ApiOkResponse({ type: HealthDto })
  @ApiErrorResponses([503, 'A dependency is down (SERVICE_UNAVAILABLE); details name it'])
  async ready(): Promise<HealthDto> {
    try {
      const result = await this.health.check([
        () => this.database.pingCheck('database', { timeout: 1_500 }),
      ]);
      return { status: result.status, info: (result.info ?? {}) as HealthDto['info'] };
    } catch {
      throw new ApiError(
        ErrorCode.SERVICE_UNAVAILABLE,
        'Not ready',
        { database: 'down' },
        { 'Retry-After': '5' },
      );
    }
  }
}
