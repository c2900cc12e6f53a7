import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import {
  appendAuditEvents,
  auditedChangeStatement,
  userActor,
  type RequestOrigin,
} from '../audit/audit-event';
import { AppConfig } from '../config/app-config';
import { runStatement } from '../database/statement';
import { updateReturning } from '../database/update-returning';
import { ApiError } from '../common/errors/api-error';
import { ErrorCode } from '../common/errors/error-code';
import type { Principal } from './access/principal';
import { RefreshToken } from './entities/refresh-token.entity';
import { Session } from './entities/session.entity';
import { User } from './entities/user.entity';
import { TokenService, type SignedAccessToken } from './token.service';

export interface IssuedTokens {
  access: SignedAccessToken;
  refreshToken: string;
  refreshExpiresAt: Date;
}

/** The session a refresh token belonged to. */
interface TokenSession {
  id: string;
  userId: number;
  currentSiteId: number | null;
}

/** Sessions and their refresh-token chain: creation, rotation with reuse detection, revocation. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: TokenService,
    private readonly config: AppConfig,
  ) {}

  /** A successful login: the session, its first refresh token and the login's audit event. */
  async start(
    userId: number,
    currentSiteId: number | null,
    origin: RequestOrigin,
  ): Promise<IssuedTokens> {
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
      await appendAuditEvents(manager, [
        {
          action: 'auth.login_succeeded',
          actor: userActor(userId),
          origin,
          siteId: currentSiteId,
          target: { type: 'session', id: session.id },
        },
      ]);
      return this.issue(manager, session, refreshExpiresAt);
    });
  }

  /**
   * Exchanges a refresh token for a new pair. A token that was already used is evidence of theft:
   * the whole session is revoked and both holders must log in again.
   */
  async refresh(refreshToken: string, origin: RequestOrigin): Promise<IssuedTokens> {
    const tokenHash = this.tokens.hashOpaqueToken(refreshToken);
    const issued = await this.dataSource.transaction(async (manager) => {
      const [consumed] = await updateReturning<{ session_id: string }>(
        manager,
        `UPDATE refresh_tokens SET used_at = now()
          WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
          RETURNING session_id`,
        [tokenHash],
      );
      const sessionId = consumed?.session_id;
      if (!sessionId) {
        const reused = await this.sessionOfUsedToken(manager, tokenHash);
        if (reused) {
          await this.revokeReused(manager, reused, origin);
        }
        return null;
      }
      // A disabled account's session does not refresh, even if it was not revoked (flag set by SQL).
      const session = await manager
        .createQueryBuilder(Session, 'session')
        .innerJoin(User, 'user', 'user.id = session.userId AND user.disabledAt IS NULL')
        .where('session.id = :sessionId AND session.revokedAt IS NULL', { sessionId })
        .getOne();
      if (!session || session.expiresAt <= new Date()) {
        return null;
      }
      const refreshExpiresAt = this.refreshExpiry();
      await manager.update(Session, { id: session.id }, { expiresAt: refreshExpiresAt });
      return this.issue(manager, session, refreshExpiresAt);
    });
    if (!issued) {
      throw new ApiError(ErrorCode.INVALID_REFRESH_TOKEN, 'Invalid or expired refresh token');
    }
    return issued;
  }

  /** Logout: the session ends and the event is written by one statement, only if it was live. */
  async end(principal: Principal, origin: RequestOrigin): Promise<void> {
    await runStatement(
      this.dataSource,
      auditedChangeStatement(
        {
          text: 'UPDATE "sessions" SET "revoked_at" = now() WHERE "id" = $1 AND "revoked_at" IS NULL RETURNING "id"',
          values: [principal.sessionId],
        },
        [
          {
            action: 'auth.logout',
            actor: userActor(principal.userId),
            origin,
            siteId: principal.currentSiteId,
            target: { type: 'session', id: principal.sessionId },
          },
        ],
      ),
    );
  }

  async revokeAllOf(
    userId: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager.update(Session, { userId, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
  }

  async selectSite(principal: Principal, siteId: number, origin: RequestOrigin): Promise<void> {
    await runStatement(
      this.dataSource,
      auditedChangeStatement(
        {
          text: 'UPDATE "sessions" SET "current_site_id" = $2 WHERE "id" = $1 RETURNING "id"',
          values: [principal.sessionId, siteId],
        },
        [
          {
            action: 'auth.site_selected',
            actor: userActor(principal.userId),
            origin,
            siteId,
            target: { type: 'site', id: String(siteId) },
          },
        ],
      ),
    );
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
  ): Promise<TokenSession | undefined> {
    return manager
      .getRepository(RefreshToken)
      .createQueryBuilder('token')
      .innerJoin(Session, 'session', 'session.id = token.sessionId')
      .select('session.id', 'id')
      .addSelect('session.userId', 'userId')
      .addSelect('session.currentSiteId', 'currentSiteId')
      .where('token.tokenHash = :tokenHash AND token.usedAt IS NOT NULL', { tokenHash })
      .getRawOne<TokenSession>();
  }

  /**
   * Recorded as the session's user: whoever presented the token holds that user's credential,
   * and nobody else can be named.
   */
  private async revokeReused(
    manager: EntityManager,
    session: TokenSession,
    origin: RequestOrigin,
  ): Promise<void> {
    await manager.update(
      Session,
      { id: session.id, revokedAt: IsNull() },
      { revokedAt: () => 'now()' },
    );
    await appendAuditEvents(manager, [
      {
        action: 'auth.refresh_token_reused',
        actor: userActor(session.userId),
        origin,
        siteId: session.currentSiteId,
        target: { type: 'session', id: session.id },
      },
    ]);
  }

  private refreshExpiry(): Date {
    return new Date(Date.now() + this.config.refreshTokenTtlMs);
  }
}
