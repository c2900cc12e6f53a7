import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal } from '../auth/access/access.decorators';
import type { Principal } from '../auth/access/principal';
import { ApiErrorResponses } from '../common/errors/api-error-responses.decorator';
import { IdParamPipe } from '../common/http/id-param.pipe';
import { SiteResponseDto, SitesResponseDto, SitesWithRoleResponseDto } from './dto/site.dto';
import { INT32_ID } from '../common/openapi/schema-types';
import { SitesService } from './sites.service';

@ApiTags('Sites')
@Controller('sites')
export class SitesController {
  constructor(private readonly sites: SitesService) {}

  @Get()
  @Authenticated()
  @ApiOperation({
    operationId: 'sites_list',
    summary: 'List all sites',
    description: 'Every site of the organisation, including those the caller does not belong to.',
  })
  @ApiOkResponse({ type: SitesResponseDto, description: 'All sites' })
  async list(): Promise<SitesResponseDto> {
    return { sites: await this.sites.listAll() };
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({
    operationId: 'sites_get',
    summary: 'Get a site the caller belongs to',
    description: '403 for a site the caller is not a member of, 404 for one that does not exist.',
  })
  @ApiParam({ name: 'id', schema: { ...INT32_ID, example: 1 } })
  @ApiOkResponse({ type: SiteResponseDto, description: 'The site' })
  @ApiErrorResponses(400, [403, 'The caller is not a member of this site (FORBIDDEN)'], 404)
  async get(
    @Param('id', IdParamPipe) id: number,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SiteResponseDto> {
    return { site: await this.sites.getForMember(id, principal.userId) };
  }
}

@ApiTags('Sites')
@Controller('users')
export class UserSitesController {
  constructor(private readonly sites: SitesService) {}

  @Get('sites')
  @Authenticated()
  @ApiOperation({
    operationId: 'users_sites',
    summary: "List the caller's sites with the caller's role on each",
    description: 'Same list as GET /auth/sites.',
  })
  @ApiOkResponse({
    type: SitesWithRoleResponseDto,
    description: "The caller's sites, each with the caller's role",
  })
  async mySites(@CurrentPrincipal() principal: Principal): Promise<SitesWithRoleResponseDto> {
    return { sites: await this.sites.listForUser(principal.userId) };
  }
}
