import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuditListResponseDto } from '../../audit/dto/audit-event.dto';
import { CursorPageQueryDto } from '../../common/pagination/page-query.dto';
import { Authenticated, CurrentPrincipal, SiteRead } from '../../auth/access/access.decorators';
import type { Principal } from '../../auth/access/principal';
import { ApiErrorResponses } from '../../common/errors/api-error-responses.decorator';
import { ClientGone, type ClientGoneWatch } from '../../common/http/client-gone';
import { IdParamPipe } from '../../common/http/id-param.pipe';
import { INT64_ID } from '../../common/openapi/schema-types';
import { ChangeFeedQueryDto, ChangeFeedResponseDto } from './dto/change-feed.dto';
import { HistoryService } from './history.service';

@ApiTags('Interactions')
@Controller('interactions')
export class HistoryController {
  constructor(private readonly history: HistoryService) {}

  @Get('changes')
  @SiteRead()
  @ApiOperation({
    operationId: 'interactions_changes',
    summary: "The current site's change feed",
    description:
      'Every committed change of the interactions of the site (created, updated, deleted, restored, imported), once each, in commit order. Follow `next` (as `since`) to mirror the site: a change that commits late never hides behind a later `next`.',
  })
  @ApiOkResponse({ type: ChangeFeedResponseDto, description: 'The changes after `since`' })
  @ApiErrorResponses(400)
  changes(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ChangeFeedQueryDto,
    @ClientGone() clientGone: ClientGoneWatch,
  ): Promise<ChangeFeedResponseDto> {
    return this.history.changes(principal, query, clientGone);
  }

  @Get(':id/history')
  @Authenticated({ siteRole: 'viewer' })
  @ApiOperation({
    operationId: 'interactions_history',
    summary: 'The history of an interaction',
    description:
      'Its audit events, oldest first, paged by `next_cursor`: who created, changed (each field before and after), deleted and restored it, and when. Open to whoever may read the record; a trashed one to those who see it in the trash. `ip` and `request_id` are given to managers only (null for others).',
  })
  @ApiParam({ name: 'id', schema: { ...INT64_ID, example: 1 } })
  @ApiOkResponse({
    type: AuditListResponseDto,
    description: 'A page of the events of the interaction, oldest first',
  })
  @ApiErrorResponses(400, [404, 'No such interaction in the current site (NOT_FOUND)'])
  async recordHistory(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new IdParamPipe(Number.MAX_SAFE_INTEGER)) id: number,
    @Query() query: CursorPageQueryDto,
  ): Promise<AuditListResponseDto> {
    return this.history.history(principal, id, query);
  }
}
