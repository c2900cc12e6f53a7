import { ClientGone, type ClientGoneWatch } from '../common/http/client-gone';
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, SiteRead } from '../auth/access/access.decorators';
import type { Principal } from '../auth/access/principal';
import { ApiErrorResponses } from '../common/errors/api-error-responses.decorator';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { DEFAULT_INTERACTION_TYPES } from '../config/app-config';
import { INTERACTION_TYPE_SCHEMA } from '../common/openapi/schema-types';
import { RateTier } from '../rate-limit/rate-limit.decorators';
import { AdvancedSearchDto } from './dto/advanced-search.dto';
import { DateRangeQueryDto, LimitQueryDto, TextSearchQueryDto } from './dto/search-query.dto';
import { InteractionWindowDto, SearchResultsDto } from './dto/search-results.dto';
import { SearchService } from './search.service';

@ApiTags('Search')
@Controller('search')
@RateTier('search')
export class SearchController {
  constructor(private readonly search: SearchService) {}

  @Get('interactions')
  @SiteRead()
  @ApiOperation({
    operationId: 'search_text',
    summary: 'Free-text search in the current site',
    description:
      'Case-insensitive substring of title, type, lead, location, description or notes. Newest first.',
  })
  @ApiOkResponse({ type: SearchResultsDto, description: 'One page of matching interactions' })
  @ApiErrorResponses(400)
  text(
    @CurrentPrincipal() principal: Principal,
    @Query() query: TextSearchQueryDto,
    @ClientGone() clientGone: ClientGoneWatch,
  ): Promise<SearchResultsDto> {
    return this.search.text(principal, query, clientGone);
  }

  @Post('advanced')
  @SiteRead()
  @HttpCode(200)
  @ApiOperation({
    operationId: 'search_advanced',
    summary: 'Search with filters, OR/NOT groups and sorting',
    description:
      'Filters are AND-ed; `{"any": [...]}`, `{"all": [...]}` and `{"not": item}` express OR, AND and NOT. Every error names its path, e.g. `filters[1].any[0].value`.',
  })
  @ApiOkResponse({
    type: SearchResultsDto,
    description: 'One page of interactions matching every filter, in the requested order',
  })
  @ApiErrorResponses(422)
  advanced(
    @CurrentPrincipal() principal: Principal,
    @Body() body: AdvancedSearchDto,
    @ClientGone() clientGone: ClientGoneWatch,
  ): Promise<SearchResultsDto> {
    return this.search.advanced(principal, body, clientGone);
  }

  @Get('date-range')
  @SiteRead()
  @ApiOperation({
    operationId: 'search_date_range',
    summary: 'Interactions overlapping a date range',
    description:
      'Dates are whole days (UTC unless `timezone` is given); an interaction is included when it starts before the range ends and ends after it starts. Oldest first.',
  })
  @ApiOkResponse({
    type: SearchResultsDto,
    description: 'One page of interactions overlapping the range',
  })
  @ApiErrorResponses(400)
  dateRange(
    @CurrentPrincipal() principal: Principal,
    @Query() query: DateRangeQueryDto,
    @ClientGone() clientGone: ClientGoneWatch,
  ): Promise<SearchResultsDto> {
    return this.search.dateRange(principal, query, clientGone);
  }

  @Get('type/:interaction_type')
  @SiteRead()
  @ApiOperation({
    operationId: 'search_by_type',
    summary: 'Interactions of one type (case-insensitive)',
    description: 'Newest first (start_datetime, then id, descending).',
  })
  @ApiParam({
    name: 'interaction_type',
    enum: DEFAULT_INTERACTION_TYPES,
    enumName: INTERACTION_TYPE_SCHEMA,
    example: 'Meeting',
    description: 'One of the configured INTERACTION_TYPES, matched case-insensitively',
  })
  @ApiOkResponse({ type: SearchResultsDto, description: 'One page of interactions of that type' })
  @ApiErrorResponses([
    400,
    'Type outside the configured list, bad paging or an unknown query parameter (BAD_REQUEST)',
  ])
  byType(
    @CurrentPrincipal() principal: Principal,
    @Param('interaction_type') type: string,
    @Query() query: PageQueryDto,
    @ClientGone() clientGone: ClientGoneWatch,
  ): Promise<SearchResultsDto> {
    return this.search.byType(principal, type, query, clientGone);
  }

  @Get('lead/:lead')
  @SiteRead()
  @ApiOperation({
    operationId: 'search_by_lead',
    summary: 'Interactions whose lead contains a name (case-insensitive)',
    description:
      'Case-insensitive substring of `lead`; % and _ are literal. Newest first (start_datetime, then id, descending).',
  })
  @ApiParam({
    name: 'lead',
    example: 'Smith',
    description: '1 to 100 characters',
    schema: { type: 'string', minLength: 1, maxLength: 100 },
  })
  @ApiOkResponse({
    type: SearchResultsDto,
    description: 'One page of interactions whose lead contains the name',
  })
  @ApiErrorResponses(400)
  byLead(
    @CurrentPrincipal() principal: Principal,
    @Param('lead') lead: string,
    @Query() query: PageQueryDto,
    @ClientGone() clientGone: ClientGoneWatch,
  ): Promise<SearchResultsDto> {
    return this.search.byLead(principal, lead, query, clientGone);
  }

  @Get('upcoming')
  @SiteRead()
  @ApiOperation({
    operationId: 'search_upcoming',
    summary: 'Next interactions: starting after now, soonest first',
    description:
      'Interactions with start_datetime after the current time, ascending; at most `limit`.',
  })
  @ApiOkResponse({
    type: InteractionWindowDto,
    description: 'The next interactions, soonest first',
  })
  @ApiErrorResponses(400)
  upcoming(
    @CurrentPrincipal() principal: Principal,
    @Query() query: LimitQueryDto,
    @ClientGone() clientGone: ClientGoneWatch,
  ): Promise<InteractionWindowDto> {
    return this.search.upcoming(principal, query.limit, clientGone);
  }

  @Get('recent')
  @SiteRead()
  @ApiOperation({
    operationId: 'search_recent',
    summary: 'Latest finished interactions: ended by now, latest first',
    description:
      'Interactions with end_datetime at or before the current time, descending; at most `limit`.',
  })
  @ApiOkResponse({
    type: InteractionWindowDto,
    description: 'The latest finished interactions, latest first',
  })
  @ApiErrorResponses(400)
  recent(
    @CurrentPrincipal() principal: Principal,
    @Query() query: LimitQueryDto,
    @ClientGone() clientGone: ClientGoneWatch,
  ): Promise<InteractionWindowDto> {
    return this.search.recent(principal, query.limit, clientGone);
  }
}
