import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityNotFoundError, type Repository } from 'typeorm';
import type { Principal } from './access/principal';
import { appendAuditEvents, type RequestOrigin } from '../audit/audit-event';
import { ApiError } from '../common/errors/api-error';
import { ErrorCode } from '../common/errors/error-code';
import { toIsoSeconds } from '../common/http/iso-time';
import { SitesService } from '../sites/sites.service';
import type { AccessTokenDto, LoginResponseDto } from './dto/login.dto';
import type { UserDto } from './dto/user.dto';
import { User } from './entities/user.entity';
import { PasswordHasher } from './password-hasher';
import { SessionsService, type IssuedTokens } from './sessions.service';

@Injectable()
export class AuthService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly dataSource: DataSource,
    private readonly passwords: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly sites: SitesService,
  ) {}

  /**
   * Unknown user, disabled user and wrong password cost the same argon2 verify and give the same
   * answer. A disabled account is still looked up, so its failed attempts name it in the trail.
   */
  async login(
    usernameOrEmail: string,
    password: string,
    origin: RequestOrigin,
  ): Promise<LoginResponseDto> {
    const user = await this.users
      .createQueryBuilder('user')
      .where('(lower(user.username) = lower(:login) OR lower(user.email) = lower(:login))', {
        login: usernameOrEmail.trim(),
      })
      .getOne();
    const valid = await this.passwords.verify(user?.passwordHash, password);
    if (!user || user.disabledAt !== null || !valid) {
      await this.recordFailedLogin(user, origin);
      throw new ApiError(ErrorCode.INVALID_CREDENTIALS, 'Invalid username or password');
    }
    const siteIds = await this.sites.siteIdsOf(user.id);
    const currentSiteId = siteIds.length === 1 ? siteIds[0] : null;
    const issued = await this.sessions.start(user.id, currentSiteId, origin);
    return {
      ...toAccessTokenDto(issued),
      user: toUserDto(user, siteIds, currentSiteId),
    };
  }

  /**
   * Nothing is written by a failed login, so its event is a statement of its own. What was typed
   * is never recorded: a password typed into the username field is not rare. The account is the
   * target, not the actor: whoever failed is unknown, and may be an attacker.
   */
  private async recordFailedLogin(user: User | null, origin: RequestOrigin): Promise<void> {
    const userId = user ? String(user.id) : null;
    await appendAuditEvents(this.dataSource, [
      {
        action: 'auth.login_failed',
        actor: { type: 'user', id: null },
        origin,
        siteId: null,
        target: userId === null ? null : { type: 'user', id: userId },
      },
    ]);
  }

  async refresh(refreshToken: string, origin: RequestOrigin): Promise<AccessTokenDto> {
    return toAccessTokenDto(await this.sessions.refresh(refreshToken, origin));
  }

  async logout(principal: Principal, origin: RequestOrigin): Promise<void> {
    await this.sessions.end(principal, origin);
  }

  async selectSite(principal: Principal, siteId: number, origin: RequestOrigin): Promise<void> {
    if (!(await this.sites.isMember(principal.userId, siteId))) {
      throw new ApiError(ErrorCode.FORBIDDEN, 'You do not have access to this site');
    }
    await this.sessions.selectSite(principal, siteId, origin);
  }

  /** One statement: the user with the ids of their sites (as SitesService.siteIdsOf orders them). */
  async profile(principal: Principal): Promise<UserDto> {
    const {
      entities: [user],
      raw: [row],
    } = await this.users
      .createQueryBuilder('user')
      .addSelect(
        'ARRAY(SELECT m.site_id FROM site_memberships m WHERE m.user_id = "user"."id" ORDER BY m.site_id)',
        'site_ids',
      )
      .where('user.id = :id', { id: principal.userId })
      .getRawAndEntities<{ site_ids: number[] }>();
    if (!user) {
      throw new EntityNotFoundError(User, { id: principal.userId });
    }
    return toUserDto(user, row.site_ids, principal.currentSiteId);
  }
}

function toAccessTokenDto(issued: IssuedTokens): AccessTokenDto {
  return {
    token: issued.access.token,
    expires: toIsoSeconds(issued.access.expiresAt),
    refresh_token: issued.refreshToken,
    refresh_expires: toIsoSeconds(issued.refreshExpiresAt),
  };
}

function toUserDto(user: User, siteIds: number[], currentSiteId: number | null): UserDto {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    sites: siteIds,
    current_site_id: currentSiteId,
  };
}
