import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityNotFoundError, type Repository } from 'typeorm';
import type { Principal } from './access/principal';
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
    private readonly passwords: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly sites: SitesService,
  ) {}

  /**
   * Unknown user, disabled user and wrong password cost the same argon2 verify and give the same
   * answer.
   */
  async login(usernameOrEmail: string, password: string): Promise<LoginResponseDto> {
    const user = await this.users
      .createQueryBuilder('user')
      .where('(lower(user.username) = lower(:login) OR lower(user.email) = lower(:login))', {
        login: usernameOrEmail.trim(),
      })
      .andWhere('user.disabledAt IS NULL')
      .getOne();
    const valid = await this.passwords.verify(user?.passwordHash, password);
    if (!user || !valid) {
      throw new ApiError(ErrorCode.INVALID_CREDENTIALS, 'Invalid username or password');
    }
    const siteIds = await this.sites.siteIdsOf(user.id);
    const currentSiteId = siteIds.length === 1 ? siteIds[0] : null;
    const issued = await this.sessions.start(user.id, currentSiteId);
    return {
      ...toAccessTokenDto(issued),
      user: toUserDto(user, siteIds, currentSiteId),
    };
  }

  async refresh(refreshToken: string): Promise<AccessTokenDto> {
    return toAccessTokenDto(await this.sessions.refresh(refreshToken));
  }

  async logout(principal: Principal): Promise<void> {
    await this.sessions.revoke(principal.sessionId);
  }

  async selectSite(principal: Principal, siteId: number): Promise<void> {
    if (!(await this.sites.isMember(principal.userId, siteId))) {
      throw new ApiError(ErrorCode.FORBIDDEN, 'You do not have access to this site');
    }
    await this.sessions.selectSite(principal.sessionId, siteId);
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
