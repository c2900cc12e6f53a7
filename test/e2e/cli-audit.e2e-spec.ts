import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/entities/user.entity';
import { CliInputError } from '../../src/cli/cli-input';
import { SiteMembership } from '../../src/sites/entities/site-membership.entity';
import type { Site } from '../../src/sites/entities/site.entity';
import {
  auditEventsSince,
  auditMark,
  failCommitsWriting,
  refuseAuditEventsOf,
  type AuditRow,
} from '../support/audit-events';
import { openDatabase, runCli, type CliRun } from '../support/cli-runner';
import { makeSite, makeUser } from '../support/factories';
import type { TestDatabase } from '../support/test-database';

describe('CLI commands in the audit trail', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    ({ database, dataSource } = await openDatabase());
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  /** Runs the command line and returns its outcome with the events it wrote. */
  async function recorded(args: string[]): Promise<{ run: CliRun; events: AuditRow[] }> {
    const mark = await auditMark(dataSource);
    const run = await runCli(dataSource, args);
    return { run, events: await auditEventsSince(dataSource, mark) };
  }

  /** An event of the system about `user`: no request, no ip. */
  const systemEvent = (
    action: string,
    user: User,
    siteId: number | null,
    changes: unknown = null,
  ): AuditRow => ({
    action,
    actor_type: 'system',
    actor_id: null,
    site_id: siteId,
    target_type: 'user',
    target_id: String(user.id),
    changes,
    request_id: null,
    ip: null,
  });

  const grant = (user: User, site: Site | number, role: string) =>
    recorded([
      'role:grant',
      '--user',
      user.username,
      '--site',
      String(typeof site === 'number' ? site : site.id),
      '--role',
      role,
    ]);

  const roleOf = async (user: User, site: Site) =>
    (await dataSource.getRepository(SiteMembership).findOneBy({ userId: user.id, siteId: site.id }))
      ?.role ?? null;

  describe('role:grant', () => {
    it('records a first role with no role before it', async () => {
      const site = await makeSite(dataSource);
      const user = await makeUser(dataSource);
      const { run, events } = await grant(user, site, 'member');
      expect(run.error).toBeUndefined();
      expect(events).toEqual([
        systemEvent('user.role_granted', user, site.id, { role: [null, 'member'] }),
      ]);
    });

    it('records a changed role with the role before and after', async () => {
      const site = await makeSite(dataSource);
      const user = await makeUser(dataSource, { sites: [[site, 'viewer']] });
      const { events } = await grant(user, site, 'manager');
      expect(events).toEqual([
        systemEvent('user.role_granted', user, site.id, { role: ['viewer', 'manager'] }),
      ]);
    });

    it('records nothing when granting the role the user already has', async () => {
      const site = await makeSite(dataSource);
      const user = await makeUser(dataSource, { sites: [[site, 'member']] });
      const { run, events } = await grant(user, site, 'member');
      expect(run.error).toBeUndefined();
      expect(events).toEqual([]);
    });

    it('records nothing for a site that does not exist', async () => {
      const user = await makeUser(dataSource);
      const { run, events } = await grant(user, 999_999, 'viewer');
      expect(run.error).toEqual(new CliInputError('no site with id 999999'));
      expect(events).toEqual([]);
    });

    it('records nothing and keeps the former role when the grant rolls back at commit', async () => {
      const site = await makeSite(dataSource);
      const user = await makeUser(dataSource, { sites: [[site, 'viewer']] });
      const allowAgain = await failCommitsWriting(dataSource, 'site_memberships');
      try {
        const { run, events } = await grant(user, site, 'manager');
        expect(run.error?.message).toMatch(/commit refused/);
        expect(events).toEqual([]);
      } finally {
        await allowAgain();
      }
      expect(await roleOf(user, site)).toBe('viewer');
    });

    it('keeps the former role when the event cannot be written', async () => {
      const site = await makeSite(dataSource);
      const user = await makeUser(dataSource, { sites: [[site, 'viewer']] });
      const allowAgain = await refuseAuditEventsOf(dataSource, 'user.role_granted');
      try {
        const { run } = await grant(user, site, 'manager');
        expect(run.error?.message).toMatch(/audit event refused/);
      } finally {
        await allowAgain();
      }
      expect(await roleOf(user, site)).toBe('viewer');
    });
  });

  describe('role:revoke', () => {
    it('records the role removed', async () => {
      const site = await makeSite(dataSource);
      const user = await makeUser(dataSource, { sites: [[site, 'manager']] });
      const { run, events } = await recorded([
        'role:revoke',
        '--user',
        user.email,
        '--site',
        String(site.id),
      ]);
      expect(run.error).toBeUndefined();
      expect(events).toEqual([
        systemEvent('user.role_revoked', user, site.id, { role: ['manager', null] }),
      ]);
    });

    it('records nothing for a role the user does not have', async () => {
      const site = await makeSite(dataSource);
      const user = await makeUser(dataSource);
      const { run, events } = await recorded([
        'role:revoke',
        '--user',
        user.username,
        '--site',
        String(site.id),
      ]);
      expect(run.error).toEqual(
        new CliInputError(`${user.username} has no role on site ${site.id}`),
      );
      expect(events).toEqual([]);
    });

    it('keeps the role when the event cannot be written', async () => {
      const site = await makeSite(dataSource);
      const user = await makeUser(dataSource, { sites: [[site, 'member']] });
      const allowAgain = await refuseAuditEventsOf(dataSource, 'user.role_revoked');
      try {
        const { run } = await recorded([
          'role:revoke',
          '--user',
          user.username,
          '--site',
          String(site.id),
        ]);
        expect(run.error?.message).toMatch(/audit event refused/);
      } finally {
        await allowAgain();
      }
      expect(await roleOf(user, site)).toBe('member');
    });
  });

  describe('user:disable and user:enable', () => {
    it('records each change once and nothing for a user already in that state', async () => {
      const user = await makeUser(dataSource);
      const disable = () => recorded(['user:disable', '--user', user.username]);
      const enable = () => recorded(['user:enable', '--user', user.username]);
      expect((await disable()).events).toEqual([systemEvent('user.disabled', user, null)]);
      expect((await disable()).events).toEqual([]);
      expect((await enable()).events).toEqual([systemEvent('user.enabled', user, null)]);
      expect((await enable()).events).toEqual([]);
    });

    it('leaves the account enabled when the event cannot be written', async () => {
      const user = await makeUser(dataSource);
      const allowAgain = await refuseAuditEventsOf(dataSource, 'user.disabled');
      try {
        const { run } = await recorded(['user:disable', '--user', user.username]);
        expect(run.error?.message).toMatch(/audit event refused/);
      } finally {
        await allowAgain();
      }
      const [{ disabled_at }] = await dataSource.query<Array<{ disabled_at: Date | null }>>(
        'SELECT disabled_at FROM users WHERE id = $1',
        [user.id],
      );
      expect(disabled_at).toBeNull();
    });

    it('records nothing when disabling rolls back at commit', async () => {
      const user = await makeUser(dataSource);
      const allowAgain = await failCommitsWriting(dataSource, 'users');
      try {
        const { run, events } = await recorded(['user:disable', '--user', user.username]);
        expect(run.error?.message).toMatch(/commit refused/);
        expect(events).toEqual([]);
      } finally {
        await allowAgain();
      }
    });

    it('records nothing for a user that does not exist', async () => {
      const { run, events } = await recorded(['user:disable', '--user', 'nobody@example.com']);
      expect(run.error).toEqual(
        new CliInputError('no user with username or email "nobody@example.com"'),
      );
      expect(events).toEqual([]);
    });
  });

  describe('password:set', () => {
    it('records user.password_set without the password', async () => {
      const user = await makeUser(dataSource);
      const password = 'cli-chosen-password-2931';
      const mark = await auditMark(dataSource);
      const run = await runCli(dataSource, [
        'password:set',
        '--user',
        user.username,
        '--password',
        password,
      ]);
      expect(run.error).toBeUndefined();
      expect(await auditEventsSince(dataSource, mark)).toEqual([
        systemEvent('user.password_set', user, null),
      ]);
      const [{ json }] = await dataSource.query<Array<{ json: string }>>(
        'SELECT row_to_json(e)::text AS json FROM audit_events e WHERE id > $1',
        [mark],
      );
      expect(json).not.toContain(password);
    });

    it('records a generated password without it', async () => {
      const user = await makeUser(dataSource);
      const { run, events } = await recorded(['password:set', '--user', user.username]);
      const generated = /generated password: (\S+)/.exec(run.stdout)![1];
      expect(events).toEqual([systemEvent('user.password_set', user, null)]);
      expect(JSON.stringify(events)).not.toContain(generated);
    });

    it('keeps the old password hash when the event cannot be written', async () => {
      const user = await makeUser(dataSource);
      const allowAgain = await refuseAuditEventsOf(dataSource, 'user.password_set');
      try {
        const { run } = await recorded([
          'password:set',
          '--user',
          user.username,
          '--password',
          'never-stored-password-1',
        ]);
        expect(run.error?.message).toMatch(/audit event refused/);
      } finally {
        await allowAgain();
      }
      const [{ password_hash }] = await dataSource.query<Array<{ password_hash: string }>>(
        'SELECT password_hash FROM users WHERE id = $1',
        [user.id],
      );
      expect(password_hash).toBe(user.passwordHash);
    });
  });
});
