import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { updateReturning } from '../database/update-returning';
import { ApiError } from '../common/errors/api-error';
import { ErrorCode } from '../common/errors/error-code';
import { RefreshToken } from './entities/refresh-token.entity';
import { Session } from './entities/session.entity';
import { User } from './entities/user.entity';
import { TokenService, type SignedAccessToken } from './token.service';

export interface IssuedTokens {
  access: SignedAccessToken;
  refreshToken: string;
  refreshExpiresAt: Date;
}

type RefreshOutcome =
  | { kind: 'issued'; tokens: IssuedTokens }
  | { kind: 'reused'; sessionId: string }
  | { kind: 'invalid' };

/** Sessions and their refresh-token chain: creation, rotation with reuse detection, revocation. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: TokenService,
    private readonly config: AppConfig,
  ) {}

  async start(userId: number, currentSiteId: number | null): Promise<IssuedTokens> {
    return this.dataSource.transaction(async (manager) => {
      const refreshExpiresAt = this.refreshExpiry();
      const session = await manager.save(
        manager.create(Session, {
          userId,
          currentSiteId,
          expiresAt: refreshExpiresAt,
          revokedAt: null,
        }),
      );
      return this.issue(manager, session, refreshExpiresAt);
    });
  }

  /**
   * Exchanges a refresh token for a new pair. A token that was already used is evidence of theft:
   * the whole session is revoked and both holders must log in again.
   */
  async refresh(refreshToken: string): Promise<IssuedTokens> {
    const tokenHash = this.tokens.hashOpaqueToken(refreshToken);
    const outcome = await this.dataSource.transaction(async (manager): Promise<RefreshOutcome> => {
      const [consumed] = await updateReturning<{ session_id: string }>(
        manager,
        `UPDATE refresh_tokens SET used_at = now()
          WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
          RETURNING session_id`,
        [tokenHash],
      );
      const sessionId = consumed?.session_id;
      if (!sessionId) {
        const reusedSessionId = await this.sessionOfUsedToken(manager, tokenHash);
        return reusedSessionId
          ? { kind: 'reused', sessionId: reusedSessionId }
          : { kind: 'invalid' };
      }
      // A disabled account's session does not refresh, even if it was not revoked (flag set by SQL).
      const session = await manager
        .createQueryBuilder(Session, 'session')
        .innerJoin(User, 'user', 'user.id = session.userId AND user.disabledAt IS NULL')
        .where('session.id = :sessionId AND session.revokedAt IS NULL', { sessionId })
        .getOne();
      if (!session || session.expiresAt <= new Date()) {
        return { kind: 'invalid' };
      }
      const refreshExpiresAt = this.refreshExpiry();
      await manager.update(Session, { id: session.id }, { expiresAt: refreshExpiresAt });
      return { kind: 'issued', tokens: await this.issue(manager, session, refreshExpiresAt) };
    });
    if (outcome.kind === 'issued') {
      return outcome.tokens;
    }
    if (outcome.kind === 'reused') {
      await this.revoke(outcome.sessionId);
    }
    throw new ApiError(ErrorCode.INVALID_REFRESH_TOKEN, 'Invalid or expired refresh token');
  }

  async revoke(sessionId: string): Promise<void> {
    await this.dataSource
      .getRepository(Session)
      .update({ id: sessionId, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
  }

  async revokeAllOf(
    userId: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager.update(Session, { userId, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
  }

  async selectSite(sessionId: string, siteId: number): Promise<void> {
    await this.dataSource
      .getRepository(Session)
      .update({ id: sessionId }, { currentSiteId: siteId });
  }

  private async issue(
    manager: EntityManager,
    session: Session,
    refreshExpiresAt: Date,
  ): Promise<IssuedTokens> {
    const refreshToken = this.tokens.newOpaqueToken();
    await manager.insert(RefreshToken, {
      sessionId: session.id,
      tokenHash: this.tokens.hashOpaqueToken(refreshToken),
      expiresAt: refreshExpiresAt,
    });
    return {
      access: this.tokens.signAccessToken(session.userId, session.id),
      refreshToken,
      refreshExpiresAt,
    };
  }

  private async sessionOfUsedToken(
    manager: EntityManager,
    tokenHash: string,
  ): Promise<string | undefined> {
    const used = await manager
      .getRepository(RefreshToken)
      .createQueryBuilder('token')
      .select('token.sessionId', 'sessionId')
      .where('token.tokenHash = :tokenHash AND token.usedAt IS NOT NULL', { tokenHash })
      .getRawOne<{ sessionId: string }>();
    return used?.sessionId;
  }

  private refreshExpiry(): Date {
    return new Date(Date.now() + this.config.refreshTokenTtlMs);
  }
}
