import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal } from '../common/auth/access.decorators';
import type { Principal } from '../common/auth/principal';
import { ApiErrorResponses } from '../common/errors/api-error-responses.decorator';
import { IdParamPipe } from '../common/http/id-param.pipe';
import { SiteResponseDto, SitesResponseDto, SitesWithRoleResponseDto } from './dto/site.dto';
import { SitesService } from './sites.service';

@ApiTags('Sites')
@Controller('sites')
export class SitesController {
  constructor(private readonly sites: SitesService) {}

  @Get()
  @Authenticated()
  @ApiOperation({ operationId: 'sites_list', summary: 'List all sites' })
  @ApiOkResponse({ type: SitesResponseDto })
  async list(): Promise<SitesResponseDto> {
    return { sites: await this.sites.listAll() };
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({ operationId: 'sites_get', summary: 'Get a site the caller belongs to' })
  @ApiParam({ name: 'id', type: Number, example: 1 })
  @ApiOkResponse({ type: SiteResponseDto })
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
  })
  @ApiOkResponse({ type: SitesWithRoleResponseDto })
  async mySites(@CurrentPrincipal() principal: Principal): Promise<SitesWithRoleResponseDto> {
    return { sites: await this.sites.listForUser(principal.userId) };
  }
}
