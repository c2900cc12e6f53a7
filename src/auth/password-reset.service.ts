import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, IsNull, type EntityManager, type Repository } from 'typeorm';
import {
  appendAuditEvents,
  userActor,
  type AuditEvent,
  type RequestOrigin,
} from '../audit/audit-event';
import { AppConfig } from '../config/app-config';
import { updateReturning } from '../database/update-returning';
import { ApiError } from '../common/errors/api-error';
import { ErrorCode } from '../common/errors/error-code';
import { PasswordResetToken } from './entities/password-reset-token.entity';
import { User } from './entities/user.entity';
import { MailerService } from './mailer.service';
import { PasswordHasher } from './password-hasher';
import { SessionsService } from './sessions.service';
import { TokenService } from './token.service';

/** Reset mails per account and hour; a soft limit (two concurrent requests may both pass). */
const MAX_REQUESTS_PER_HOUR = 3;

@Injectable()
export class PasswordResetService {
  private readonly logger = new Logger('PasswordReset');

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly dataSource: DataSource,
    private readonly tokens: TokenService,
    private readonly passwords: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly mailer: MailerService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Answers the same way whether or not the address has an account. The mail leaves after the
   * response, so its latency cannot reveal that an account exists either.
   *
   * Every request is recorded, as the account's when there is one (disabled or over the limit
   * included). The address typed never is: the trail must not become a list of addresses tried.
   */
  async request(email: string, origin: RequestOrigin): Promise<void> {
    const user = await this.users
      .createQueryBuilder('user')
      .where('lower(user.email) = lower(:email)', { email })
      .getOne();
    if (
      !user ||
      user.disabledAt !== null ||
      (await this.recentRequestsOf(user.id)) >= MAX_REQUESTS_PER_HOUR
    ) {
      await appendAuditEvents(this.dataSource, [resetRequested(user, origin)]);
      return;
    }
    const token = this.tokens.newOpaqueToken();
    await this.dataSource.transaction(async (manager) => {
      await manager.insert(PasswordResetToken, {
        userId: user.id,
        tokenHash: this.tokens.hashOpaqueToken(token),
        expiresAt: new Date(Date.now() + this.config.passwordResetTtlMs),
      });
      await appendAuditEvents(manager, [resetRequested(user, origin)]);
    });
    const link = `${this.config.passwordResetUrl}?token=${encodeURIComponent(token)}`;
    const minutes = Math.round(this.config.passwordResetTtlMs / 60_000);
    this.mailer
      .send({
        to: user.email,
        subject: 'Reset your Interaction Management System password',
        text: `Someone asked to reset the password of ${user.username}.\n\nUse this link within ${minutes} minutes:\n${link}\n\nReset token: ${token}\n\nIf it was not you, ignore this mail.`,
      })
      .catch((error: unknown) =>
        this.logger.error({ err: error }, 'password reset mail could not be sent'),
      );
  }

  /**
   * Resets asked for this account in the last hour. Beyond the limit the answer stays the same
   * but no mail leaves, so nobody can flood a mailbox from many IPs (the per-IP rate limit alone
   * does not stop that).
   */
  private async recentRequestsOf(userId: number): Promise<number> {
    const [{ count }] = await this.dataSource.query<Array<{ count: string }>>(
      `SELECT count(*) FROM password_reset_tokens WHERE user_id = $1 AND created_at > now() - interval '1 hour'`,
      [userId],
    );
    return Number(count);
  }

  /** Single use: the token is consumed atomically, and every session of the user ends. */
  async confirm(token: string, newPassword: string, origin: RequestOrigin): Promise<void> {
    const passwordHash = await this.passwords.hash(newPassword);
    const tokenHash = this.tokens.hashOpaqueToken(token);
    const changed = await this.dataSource.transaction(async (manager) => {
      const [consumed] = await updateReturning<{ user_id: number }>(
        manager,
        `UPDATE password_reset_tokens t SET used_at = now()
          WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > now()
            AND EXISTS (SELECT 1 FROM users u WHERE u.id = t.user_id AND u.disabled_at IS NULL)
          RETURNING t.user_id`,
        [tokenHash],
      );
      const userId = consumed?.user_id;
      if (userId === undefined) {
        return false;
      }
      await manager.update(User, { id: userId }, { passwordHash });
      await manager.update(
        PasswordResetToken,
        { userId, usedAt: IsNull() },
        { usedAt: () => 'now()' },
      );
      await this.sessions.revokeAllOf(userId, manager);
      await recordResetCompleted(manager, userId, origin);
      return true;
    });
    if (!changed) {
      throw new ApiError(ErrorCode.INVALID_RESET_TOKEN, 'Invalid or expired password reset token');
    }
  }
}

function resetRequested(user: User | null, origin: RequestOrigin): AuditEvent {
  const userId = user ? String(user.id) : null;
  return {
    action: 'auth.password_reset_requested',
    actor: { type: 'user', id: userId },
    origin,
    siteId: null,
    target: userId === null ? null : { type: 'user', id: userId },
  };
}

function recordResetCompleted(
  manager: EntityManager,
  userId: number,
  origin: RequestOrigin,
): Promise<void> {
  return appendAuditEvents(manager, [
    {
      action: 'auth.password_reset_completed',
      actor: userActor(userId),
      origin,
      siteId: null,
      target: { type: 'user', id: String(userId) },
    },
  ]);
}
