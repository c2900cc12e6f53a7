import argon2 from 'argon2';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../src/auth/entities/session.entity';
import { User } from '../../src/auth/entities/user.entity';
import { CliInputError } from '../../src/cli/cli-input';
import { UserAdminService } from '../../src/cli/user-admin.service';
import { SiteMembership } from '../../src/sites/entities/site-membership.entity';
import { Site } from '../../src/sites/entities/site.entity';
import { openDatabase, runCli } from '../support/cli-runner';
import { makeSite, makeUser, TEST_PASSWORD } from '../support/factories';
import type { TestDatabase } from '../support/test-database';

describe('CLI', () => {
  const admin = new UserAdminService();
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    ({ database, dataSource } = await openDatabase());
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  function membership(user: User, site: Site): Promise<SiteMembership | null> {
    return dataSource.getRepository(SiteMembership).findOneBy({ userId: user.id, siteId: site.id });
  }

  describe('user:create', () => {
    it('creates a user whose stored hash verifies the given password', async () => {
      const { user, generatedPassword } = await admin.createUser(dataSource, {
        username: 'carol',
        email: 'carol@example.com',
        password: 'long-enough-password',
      });
      const stored = await dataSource.getRepository(User).findOneByOrFail({ id: user.id });
      expect(stored).toMatchObject({ username: 'carol', email: 'carol@example.com' });
      expect(await argon2.verify(stored.passwordHash, 'long-enough-password')).toBe(true);
      expect(generatedPassword).toBeUndefined();
    });

    it('generates a policy-compliant password when none is given', async () => {
      const { user, generatedPassword } = await admin.createUser(dataSource, {
        username: 'dave',
        email: 'dave@example.com',
      });
      expect(generatedPassword?.length).toBeGreaterThanOrEqual(12);
      expect(await argon2.verify(user.passwordHash, generatedPassword ?? '')).toBe(true);
    });

    it('refuses a username that differs from an existing one only in case', async () => {
      await makeUser(dataSource, { username: 'erin' });
      await expect(
        admin.createUser(dataSource, {
          username: 'ERIN',
          email: 'other-erin@example.com',
          password: 'long-enough-password',
        }),
      ).rejects.toThrow(new CliInputError('username "ERIN" is already taken'));
    });

    it('refuses an email already registered in another case', async () => {
      await makeUser(dataSource, { username: 'frank', email: 'frank@example.com' });
      await expect(
        admin.createUser(dataSource, {
          username: 'frank2',
          email: 'Frank@Example.com',
          password: 'long-enough-password',
        }),
      ).rejects.toThrow(new CliInputError('email "Frank@Example.com" is already registered'));
    });

    it('refuses a password shorter than 12 characters', async () => {
      await expect(
        admin.createUser(dataSource, {
          username: 'grace',
          email: 'grace@example.com',
          password: 'too-short',
        }),
      ).rejects.toThrow(new CliInputError('password must be 12 to 128 characters long'));
    });
  });

  describe('site:create', () => {
    it('creates a site and refuses a second site with the same name', async () => {
      const site = await admin.createSite(dataSource, { name: 'Lab', description: 'Test lab' });
      expect(await dataSource.getRepository(Site).findOneBy({ id: site.id })).toMatchObject({
        name: 'Lab',
        description: 'Test lab',
      });
      await expect(admin.createSite(dataSource, { name: 'Lab' })).rejects.toThrow(
        new CliInputError('site name "Lab" is already taken'),
      );
    });
  });

  describe('role:grant and role:revoke', () => {
    it('grants a role to a user found by email in another case', async () => {
      const user = await makeUser(dataSource);
      const site = await makeSite(dataSource);
      await admin.grantRole(dataSource, {
        user: user.email.toUpperCase(),
        siteId: site.id,
        role: 'viewer',
      });
      expect((await membership(user, site))?.role).toBe('viewer');
    });

    it('changes the role when granting again and reports the previous one', async () => {
      const site = await makeSite(dataSource);
      const user = await makeUser(dataSource, { sites: [[site, 'viewer']] });
      const grant = await admin.grantRole(dataSource, {
        user: user.username,
        siteId: site.id,
        role: 'manager',
      });
      expect(grant.previousRole).toBe('viewer');
      expect((await membership(user, site))?.role).toBe('manager');
    });

    it('removes the membership when revoking', async () => {
      const site = await makeSite(dataSource);
      const user = await makeUser(dataSource, { sites: [[site, 'member']] });
      const revoked = await admin.revokeRole(dataSource, { user: user.username, siteId: site.id });
      expect(revoked.role).toBe('member');
      expect(await membership(user, site)).toBeNull();
    });

    it('refuses to revoke a role the user does not have', async () => {
      const site = await makeSite(dataSource);
      const user = await makeUser(dataSource);
      await expect(
        admin.revokeRole(dataSource, { user: user.username, siteId: site.id }),
      ).rejects.toThrow(new CliInputError(`${user.username} has no role on site ${site.id}`));
    });

    it('refuses an unknown role', async () => {
      const site = await makeSite(dataSource);
      const user = await makeUser(dataSource);
      await expect(
        admin.grantRole(dataSource, { user: user.username, siteId: site.id, role: 'admin' }),
      ).rejects.toThrow(new CliInputError('unknown role "admin": use viewer, member, manager'));
      expect(await membership(user, site)).toBeNull();
    });

    it('refuses a site that does not exist', async () => {
      const user = await makeUser(dataSource);
      await expect(
        admin.grantRole(dataSource, { user: user.username, siteId: 999_999, role: 'viewer' }),
      ).rejects.toThrow(new CliInputError('no site with id 999999'));
    });

    it('upserts the membership and prints one line when run from the command line', async () => {
      const site = await makeSite(dataSource);
      const user = await makeUser(dataSource, { sites: [[site, 'viewer']] });
      const run = await runCli(dataSource, [
        'role:grant',
        '--user',
        user.username,
        '--site',
        String(site.id),
        '--role',
        'member',
      ]);
      expect(run.error).toBeUndefined();
      expect(run.stdout).toBe(
        `${user.username} is now member of site ${site.id} "${site.name}" (was viewer)\n`,
      );
      expect((await membership(user, site))?.role).toBe('member');
    });

    it('reports a site id that is not a number from the command line as an input error', async () => {
      const run = await runCli(dataSource, ['role:revoke', '--user', 'x', '--site', 'first']);
      expect(run.error).toEqual(
        new CliInputError('--site must be a site id (a positive whole number), got "first"'),
      );
      expect(run.stdout).toBe('');
    });
  });

  describe('password:set', () => {
    it("changes the password hash and revokes all the user's open sessions", async () => {
      const user = await makeUser(dataSource);
      const other = await makeUser(dataSource);
      const sessions = dataSource.getRepository(Session);
      const expiresAt = new Date(Date.now() + 3_600_000);
      const revokedEarlier = new Date('2020-01-01T00:00:00Z');
      const [first, second, old, othersSession] = await sessions.save([
        sessions.create({ userId: user.id, expiresAt }),
        sessions.create({ userId: user.id, expiresAt }),
        sessions.create({ userId: user.id, expiresAt, revokedAt: revokedEarlier }),
        sessions.create({ userId: other.id, expiresAt }),
      ]);

      const change = await admin.setPassword(dataSource, {
        user: user.username,
        password: 'a-brand-new-password',
      });

      const stored = await dataSource.getRepository(User).findOneByOrFail({ id: user.id });
      expect(await argon2.verify(stored.passwordHash, 'a-brand-new-password')).toBe(true);
      expect(await argon2.verify(stored.passwordHash, TEST_PASSWORD)).toBe(false);
      expect(change.revokedSessions).toBe(2);
      const revokedAt = async (session: Session): Promise<Date | null> =>
        (await sessions.findOneByOrFail({ id: session.id })).revokedAt;
      expect(await revokedAt(first)).toBeInstanceOf(Date);
      expect(await revokedAt(second)).toBeInstanceOf(Date);
      expect(await revokedAt(old)).toEqual(revokedEarlier);
      expect(await revokedAt(othersSession)).toBeNull();
    });

    it('refuses a user that does not exist', async () => {
      await expect(
        admin.setPassword(dataSource, { user: 'nobody@example.com', password: 'long-enough-pw' }),
      ).rejects.toThrow(new CliInputError('no user with username or email "nobody@example.com"'));
    });
  });

  describe('user:disable and user:enable', () => {
    it('disables an account, ending its sessions, and enables it again through the commands', async () => {
      const user = await makeUser(dataSource);
      const sessions = dataSource.getRepository(Session);
      const expiresAt = new Date(Date.now() + 3_600_000);
      const [open] = await sessions.save([sessions.create({ userId: user.id, expiresAt })]);
      const disabledAt = async () =>
        (await dataSource.getRepository(User).findOneByOrFail({ id: user.id })).disabledAt;

      const disable = await runCli(dataSource, ['user:disable', '--user', user.email]);
      expect(disable).toEqual({ stdout: `${user.username} disabled, 1 session(s) revoked\n` });
      expect(await disabledAt()).toBeInstanceOf(Date);
      expect((await sessions.findOneByOrFail({ id: open.id })).revokedAt).toBeInstanceOf(Date);

      const again = await runCli(dataSource, ['user:disable', '--user', user.username]);
      expect(again.stdout).toBe(`${user.username} was already disabled, 0 session(s) revoked\n`);

      const enable = await runCli(dataSource, ['user:enable', '--user', user.username]);
      expect(enable).toEqual({ stdout: `${user.username} enabled\n` });
      expect(await disabledAt()).toBeNull();
    });

    it('refuses a user that does not exist', async () => {
      const run = await runCli(dataSource, ['user:disable', '--user', 'nobody@example.com']);
      expect(run.error).toEqual(
        new CliInputError('no user with username or email "nobody@example.com"'),
      );
    });
  });

  describe('seed:demo', () => {
    it('seeds 3 sites, 3 users and 20 interactions per site once and reports "already" the second time', async () => {
      const empty = await openDatabase();
      try {
        const first = await runCli(empty.dataSource, ['seed:demo']);
        expect(first.error).toBeUndefined();
        expect(first.stdout).toMatch(/^seeded demo data/);
        expect(await empty.dataSource.getRepository(Site).count()).toBe(3);
        expect(await empty.dataSource.getRepository(User).count()).toBe(3);
        const perSite = await empty.dataSource.query<Array<{ count: string; future: string }>>(
          'SELECT count(*), count(*) FILTER (WHERE start_datetime > now()) AS future FROM interactions GROUP BY site_id',
        );
        expect(perSite.map((row) => Number(row.count))).toEqual([20, 20, 20]);
        expect(perSite.every((row) => Number(row.future) > 0 && Number(row.future) < 20)).toBe(
          true,
        );

        const second = await runCli(empty.dataSource, ['seed:demo']);
        expect(second.stdout).toBe('users already exist: demo data not seeded\n');
        expect(await empty.dataSource.getRepository(Site).count()).toBe(3);
        expect(await empty.dataSource.getRepository(User).count()).toBe(3);
      } finally {
        await empty.dataSource.destroy();
        await empty.database.drop();
      }
    });
  });
});
