import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { isEmail, length } from 'class-validator';
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import {
  appendAuditEvents,
  NO_REQUEST,
  SYSTEM,
  type AuditAction,
  type FieldChanges,
} from '../audit/audit-event';
import { Session } from '../auth/entities/session.entity';
import { User } from '../auth/entities/user.entity';
import { hashPassword } from '../auth/password-hasher';
import { seedDemoData } from '../seeds/demo.seed';
import { SITE_ROLES, type SiteRole } from '../sites/entities/site-membership.entity';
import { Site } from '../sites/entities/site.entity';
import { CliInputError } from './cli-input';

/**
 * No "@": login takes a username or an e-mail in the same field, so a username must never be
 * mistaken for somebody's address.
 */
const USERNAME_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;
const UNIQUE_VIOLATION = '23505';

export interface CreatedUser {
  user: User;
  /** Set only when the password was generated: the one chance to show it. */
  generatedPassword?: string;
}

export interface RoleChange {
  user: User;
  site: Site;
  role: SiteRole;
  previousRole?: SiteRole;
}

export interface PasswordChange extends CreatedUser {
  revokedSessions: number;
}

/** The CLI's operations, kept free of nest-commander so tests call them on a real database. */
@Injectable()
export class UserAdminService {
  async createUser(
    dataSource: DataSource,
    input: { username: string; email: string; password?: string },
  ): Promise<CreatedUser> {
    if (!USERNAME_PATTERN.test(input.username)) {
      throw new CliInputError(
        'username must be 1 to 100 letters, digits, dots, underscores or hyphens',
      );
    }
    if (!isEmail(input.email) || input.email.length > 254) {
      throw new CliInputError(`"${input.email}" is not a valid email address`);
    }
    const { password, generatedPassword } = choosePassword(input.password);
    const users = dataSource.getRepository(User);
    const candidate = users.create({
      username: input.username,
      email: input.email,
      passwordHash: await hashPassword(password),
    });
    try {
      return { user: await users.save(candidate), generatedPassword };
    } catch (error) {
      if (isUniqueViolation(error, 'users_username_lower_key')) {
        throw new CliInputError(`username "${input.username}" is already taken`);
      }
      if (isUniqueViolation(error, 'users_email_lower_key')) {
        throw new CliInputError(`email "${input.email}" is already registered`);
      }
      throw error;
    }
  }

  async createSite(
    dataSource: DataSource,
    input: { name: string; description?: string },
  ): Promise<Site> {
    const name = input.name.trim();
    if (!length(name, 1, 100)) {
      throw new CliInputError('site name must be 1 to 100 characters long');
    }
    const description = input.description ?? '';
    if (description.length > 500) {
      throw new CliInputError('site description must be at most 500 characters long');
    }
    const sites = dataSource.getRepository(Site);
    try {
      return await sites.save(sites.create({ name, description }));
    } catch (error) {
      if (isUniqueViolation(error, 'sites_name_key')) {
        throw new CliInputError(`site name "${name}" is already taken`);
      }
      throw error;
    }
  }

  /**
   * Gives the user `role` on the site, replacing the role the user had there. Granting the role
   * the user already has changes nothing and records nothing.
   */
  async grantRole(
    dataSource: DataSource,
    input: { user: string; siteId: number; role: string },
  ): Promise<RoleChange> {
    const role = parseRole(input.role);
    const user = await findUser(dataSource, input.user);
    const site = await findSite(dataSource, input.siteId);
    return dataSource.transaction(async (manager) => {
      const rows: Array<{ previous_role: SiteRole | null }> = await manager.query(
        `WITH previous AS (
           SELECT role FROM site_memberships WHERE user_id = $1 AND site_id = $2
         )
         INSERT INTO site_memberships (user_id, site_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, site_id) DO UPDATE SET role = EXCLUDED.role
         RETURNING (SELECT role FROM previous) AS previous_role`,
        [user.id, site.id, role],
      );
      const previousRole = rows[0].previous_role;
      if (previousRole !== role) {
        await recordUserEvent(manager, 'user.role_granted', user, site.id, {
          role: [previousRole, role],
        });
      }
      return { user, site, role, previousRole: previousRole ?? undefined };
    });
  }

  async revokeRole(
    dataSource: DataSource,
    input: { user: string; siteId: number },
  ): Promise<RoleChange> {
    const user = await findUser(dataSource, input.user);
    const site = await findSite(dataSource, input.siteId);
    return dataSource.transaction(async (manager) => {
      const [deleted]: [Array<{ role: SiteRole }>, number] = await manager.query(
        'DELETE FROM site_memberships WHERE user_id = $1 AND site_id = $2 RETURNING role',
        [user.id, site.id],
      );
      if (deleted.length === 0) {
        throw new CliInputError(`${user.username} has no role on site ${site.id}`);
      }
      const role = deleted[0].role;
      await recordUserEvent(manager, 'user.role_revoked', user, site.id, { role: [role, null] });
      return { user, site, role };
    });
  }

  /** Also ends every session of the user: whoever knew the old password is signed out. */
  async setPassword(
    dataSource: DataSource,
    input: { user: string; password?: string },
  ): Promise<PasswordChange> {
    const { password, generatedPassword } = choosePassword(input.password);
    const user = await findUser(dataSource, input.user);
    const passwordHash = await hashPassword(password);
    return dataSource.transaction(async (manager) => {
      await manager.update(User, { id: user.id }, { passwordHash });
      await recordUserEvent(manager, 'user.password_set', user, null);
      return { user, generatedPassword, revokedSessions: await revokeSessionsOf(manager, user.id) };
    });
  }

  /**
   * Disabling also ends every session, so the user's tokens stop working at once; the principal
   * lookup checks the flag too, for accounts disabled by other means.
   */
  async setDisabled(
    dataSource: DataSource,
    input: { user: string; disabled: boolean },
  ): Promise<{ user: User; changed: boolean; revokedSessions: number }> {
    const user = await findUser(dataSource, input.user);
    return dataSource.transaction(async (manager) => {
      const updated = await manager
        .createQueryBuilder()
        .update(User)
        .set({ disabledAt: input.disabled ? () => 'now()' : null })
        .where(
          input.disabled
            ? 'id = :id AND disabled_at IS NULL'
            : 'id = :id AND disabled_at IS NOT NULL',
          {
            id: user.id,
          },
        )
        .execute();
      const changed = (updated.affected ?? 0) > 0;
      const revokedSessions = input.disabled ? await revokeSessionsOf(manager, user.id) : 0;
      if (changed) {
        const action = input.disabled ? 'user.disabled' : 'user.enabled';
        await recordUserEvent(manager, action, user, null);
      }
      return { user, changed, revokedSessions };
    });
  }

  /** Returns false when users already exist and nothing was seeded. */
  seedDemo(dataSource: DataSource): Promise<boolean> {
    return seedDemoData(dataSource);
  }
}

/** The CLI's changes to an account, made by whoever runs it on the server: the system. */
function recordUserEvent(
  manager: EntityManager,
  action: AuditAction,
  user: User,
  siteId: number | null,
  changes?: FieldChanges,
): Promise<void> {
  return appendAuditEvents(manager, [
    {
      action,
      actor: SYSTEM,
      origin: NO_REQUEST,
      siteId,
      target: { type: 'user', id: String(user.id) },
      changes,
    },
  ]);
}

async function revokeSessionsOf(manager: EntityManager, userId: number): Promise<number> {
  const revoked = await manager
    .createQueryBuilder()
    .update(Session)
    .set({ revokedAt: () => 'now()' })
    .where('user_id = :userId AND revoked_at IS NULL', { userId })
    .execute();
  return revoked.affected ?? 0;
}

function choosePassword(given?: string): { password: string; generatedPassword?: string } {
  if (given === undefined) {
    // 18 random bytes: 24 base64url characters, inside the 12–128 policy.
    const generatedPassword = randomBytes(18).toString('base64url');
    return { password: generatedPassword, generatedPassword };
  }
  if (!length(given, 12, 128)) {
    throw new CliInputError('password must be 12 to 128 characters long');
  }
  return { password: given };
}

function parseRole(role: string): SiteRole {
  const known = SITE_ROLES.find((candidate) => candidate === role);
  if (known === undefined) {
    throw new CliInputError(`unknown role "${role}": use ${SITE_ROLES.join(', ')}`);
  }
  return known;
}

async function findUser(dataSource: DataSource, usernameOrEmail: string): Promise<User> {
  const user = await dataSource
    .getRepository(User)
    .createQueryBuilder('account')
    .where('lower(account.username) = lower(:login) OR lower(account.email) = lower(:login)', {
      login: usernameOrEmail,
    })
    .getOne();
  if (!user) {
    throw new CliInputError(`no user with username or email "${usernameOrEmail}"`);
  }
  return user;
}

async function findSite(dataSource: DataSource, siteId: number): Promise<Site> {
  const site = await dataSource.getRepository(Site).findOneBy({ id: siteId });
  if (!site) {
    throw new CliInputError(`no site with id ${siteId}`);
  }
  return site;
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (!(error instanceof QueryFailedError)) {
    return false;
  }
  const driverError = error.driverError as { code?: string; constraint?: string };
  return driverError.code === UNIQUE_VIOLATION && driverError.constraint === constraint;
}
