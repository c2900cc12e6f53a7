import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, Public } from './access/access.decorators';
import type { Principal } from './access/principal';
import type { RequestOrigin } from '../audit/audit-event';
import { Origin } from '../audit/request-origin.decorator';
import { ApiErrorResponses } from '../common/errors/api-error-responses.decorator';
import { RateTier } from '../rate-limit/rate-limit.decorators';
import { SUCCESS, SuccessDto } from '../common/http/success.dto';
import { SitesWithRoleResponseDto } from '../sites/dto/site.dto';
import { SitesService } from '../sites/sites.service';
import { AuthService } from './auth.service';
import { AccessTokenDto, LoginDto, LoginResponseDto } from './dto/login.dto';
import { PasswordResetConfirmDto, PasswordResetRequestDto } from './dto/password-reset.dto';
import { LogoutDto, RefreshDto } from './dto/refresh.dto';
import { SelectSiteDto } from './dto/select-site.dto';
import { ProfileResponseDto } from './dto/user.dto';
import { PasswordResetService } from './password-reset.service';

@ApiTags('Auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly passwordReset: PasswordResetService,
    private readonly sites: SitesService,
  ) {}

  @Post('login')
  @Public()
  @RateTier('auth')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'auth_login',
    summary: 'Log in with username or e-mail',
    description: 'Starts a session. A user with exactly one site has it selected at once.',
  })
  @ApiOkResponse({
    type: LoginResponseDto,
    description: 'Access token, refresh token and the user (with current_site_id)',
  })
  @ApiErrorResponses([401, 'Wrong username or password (INVALID_CREDENTIALS)'], 422)
  login(@Body() body: LoginDto, @Origin() origin: RequestOrigin): Promise<LoginResponseDto> {
    return this.auth.login(body.username, body.password, origin);
  }

  @Post('refresh')
  @Public()
  @RateTier('auth')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'auth_refresh',
    summary: 'Exchange a refresh token for a new access token and refresh token',
    description:
      'Refresh tokens are single use. Presenting one that was already used revokes the whole session.',
  })
  @ApiOkResponse({
    type: AccessTokenDto,
    description: 'A new access token and a new refresh token (the old one is used up)',
  })
  @ApiErrorResponses([401, 'Unknown, expired or reused refresh token (INVALID_REFRESH_TOKEN)'], 422)
  refresh(@Body() body: RefreshDto, @Origin() origin: RequestOrigin): Promise<AccessTokenDto> {
    return this.auth.refresh(body.refresh_token, origin);
  }

  @Post('logout')
  @Authenticated()
  @HttpCode(200)
  @ApiOperation({
    operationId: 'auth_logout',
    summary: 'End the session',
    description: "The session's access and refresh tokens stop working immediately.",
  })
  @ApiOkResponse({ type: SuccessDto, description: 'The session is ended' })
  @ApiErrorResponses(422)
  async logout(
    @CurrentPrincipal() principal: Principal,
    @Body() _body: LogoutDto,
    @Origin() origin: RequestOrigin,
  ): Promise<SuccessDto> {
    await this.auth.logout(principal, origin);
    return SUCCESS;
  }

  @Get('sites')
  @Authenticated()
  @ApiOperation({
    operationId: 'auth_sites',
    summary: "List the caller's sites with the caller's role on each",
    description: 'Same list as GET /users/sites. Select one with POST /auth/site.',
  })
  @ApiOkResponse({
    type: SitesWithRoleResponseDto,
    description: "The caller's sites, each with the caller's role",
  })
  async mySites(@CurrentPrincipal() principal: Principal): Promise<SitesWithRoleResponseDto> {
    return { sites: await this.sites.listForUser(principal.userId) };
  }

  @Post('site')
  @Authenticated()
  @HttpCode(200)
  @ApiOperation({
    operationId: 'auth_select_site',
    summary: 'Select the current site of the session',
    description:
      'Interaction and search endpoints work in this site. Tokens refreshed later keep it.',
  })
  @ApiOkResponse({
    type: SuccessDto,
    description: 'The site is now the current site of the session',
  })
  @ApiErrorResponses([403, 'The caller is not a member of this site (FORBIDDEN)'], 422)
  async selectSite(
    @CurrentPrincipal() principal: Principal,
    @Body() body: SelectSiteDto,
    @Origin() origin: RequestOrigin,
  ): Promise<SuccessDto> {
    await this.auth.selectSite(principal, body.site_id, origin);
    return SUCCESS;
  }

  @Get('profile')
  @Authenticated()
  @ApiOperation({
    operationId: 'auth_profile',
    summary: "The caller's profile",
    description:
      'The user of the access token, with its sites and the current site of the session.',
  })
  @ApiOkResponse({ type: ProfileResponseDto, description: "The caller's profile" })
  async profile(@CurrentPrincipal() principal: Principal): Promise<ProfileResponseDto> {
    return { user: await this.auth.profile(principal) };
  }

  @Post('password/reset')
  @Public()
  @RateTier('auth')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'auth_password_reset_request',
    summary: 'Request a password reset e-mail',
    description:
      'Answers the same for every well-formed address, whether or not it has an account.',
  })
  @ApiOkResponse({
    type: SuccessDto,
    description: 'Accepted; a mail is sent if the address belongs to an account',
  })
  @ApiErrorResponses(
    [
      400,
      'Malformed e-mail address (INVALID_EMAIL), malformed JSON or an unknown query parameter (BAD_REQUEST)',
    ],
    422,
  )
  async requestPasswordReset(
    @Body() body: PasswordResetRequestDto,
    @Origin() origin: RequestOrigin,
  ): Promise<SuccessDto> {
    await this.passwordReset.request(body.email, origin);
    return SUCCESS;
  }

  @Post('password/reset/confirm')
  @Public()
  @RateTier('auth')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'auth_password_reset_confirm',
    summary: 'Set a new password with the token from the reset e-mail',
    description: 'The token works once. Every session of the user ends.',
  })
  @ApiOkResponse({
    type: SuccessDto,
    description: 'The password is changed and every session of the user has ended',
  })
  @ApiErrorResponses(
    [
      400,
      'Unknown, used or expired token (INVALID_RESET_TOKEN), malformed JSON or an unknown query parameter (BAD_REQUEST)',
    ],
    422,
  )
  async confirmPasswordReset(
    @Body() body: PasswordResetConfirmDto,
    @Origin() origin: RequestOrigin,
  ): Promise<SuccessDto> {
    await this.passwordReset.confirm(body.token, body.password, origin);
    return SUCCESS;
  }
}
