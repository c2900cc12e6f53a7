import { Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { RequestOrigin } from '../../audit/audit-event';
import { Origin } from '../../audit/request-origin.decorator';
import { Authenticated, CurrentPrincipal } from '../../auth/access/access.decorators';
import type { Principal } from '../../auth/access/principal';
import { ApiErrorResponses } from '../../common/errors/api-error-responses.decorator';
import { IdParamPipe } from '../../common/http/id-param.pipe';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { ETAG_SCHEMA, INT64_ID } from '../../common/openapi/schema-types';
import { InteractionResponseDto } from '../dto/interaction.dto';
import { TrashListResponseDto } from './dto/trash.dto';
import { TrashService } from './trash.service';

@ApiTags('Interactions')
@Controller('interactions')
export class TrashController {
  constructor(private readonly trash: TrashService) {}

  @Get('trash')
  @Authenticated({ siteRole: 'member' })
  @ApiOperation({
    operationId: 'interactions_trash',
    summary: 'List the deleted interactions of the current site',
    description:
      'Most recently deleted first. Managers see the whole site; members the interactions they created. A record stays here for TRASH_RETENTION (30 days by default), then it is purged for good.',
  })
  @ApiOkResponse({ type: TrashListResponseDto, description: 'One page of the trash' })
  @ApiErrorResponses(400)
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: PageQueryDto,
  ): Promise<TrashListResponseDto> {
    return this.trash.list(principal, query);
  }

  @Post(':id/restore')
  @Authenticated({ siteRole: 'member' })
  @HttpCode(200)
  @ApiOperation({
    operationId: 'interactions_restore',
    summary: 'Restore a deleted interaction from the trash',
    description:
      'Who may delete the record may restore it. It comes back under its id as a new version (new ETag), in every read and in the change feed.',
  })
  @ApiParam({ name: 'id', schema: { ...INT64_ID, example: 1 } })
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description: 'The ETag the record had when deleted (`etag` in the trash); 412 if it differs',
    schema: { type: 'string', maxLength: 1024, example: '"25.1"' },
  })
  @ApiOkResponse({
    type: InteractionResponseDto,
    description: 'The restored interaction',
    headers: { ETag: { description: 'Its new version', schema: ETAG_SCHEMA } },
  })
  @ApiErrorResponses(
    400,
    [404, 'No such interaction in the trash of the current site (NOT_FOUND)'],
    [412, 'If-Match does not match (PRECONDITION_FAILED)'],
  )
  async restore(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new IdParamPipe(Number.MAX_SAFE_INTEGER)) id: number,
    @Headers('if-match') ifMatch: string | undefined,
    @Origin() origin: RequestOrigin,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<InteractionResponseDto> {
    const restored = await this.trash.restore(principal, id, origin, ifMatch);
    void reply.header('ETag', restored.etag);
    return { interaction: restored.interaction };
  }
}
