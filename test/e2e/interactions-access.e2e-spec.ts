import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/entities/user.entity';
import type { Interaction } from '../../src/interactions/entities/interaction.entity';
import type { SiteRole } from '../../src/sites/entities/site-membership.entity';
import type { Site } from '../../src/sites/entities/site.entity';
import { bearer, expectError, login } from '../support/auth-helpers';
import { makeInteraction, makeSite, makeUser } from '../support/factories';
import { EXAMPLE_INTERACTION, sessionIn } from '../support/interaction-helpers';
import { createTestApp, type TestApp } from '../support/test-app';

describe('interactions: site isolation, roles and site context', () => {
  let testApp: TestApp;
  let home: Site;
  let other: Site;
  let users: Record<SiteRole | 'otherMember', User>;
  let sessions: Record<SiteRole | 'otherMember', Record<string, string>>;
  let foreignRecord: Interaction;

  beforeAll(async () => {
    testApp = await createTestApp();
    home = await makeSite(testApp.dataSource, { name: 'Home' });
    other = await makeSite(testApp.dataSource, { name: 'Other' });
    users = {
      viewer: await makeUser(testApp.dataSource, { sites: [[home, 'viewer']] }),
      member: await makeUser(testApp.dataSource, {
        sites: [
          [home, 'member'],
          [other, 'manager'],
        ],
      }),
      otherMember: await makeUser(testApp.dataSource, { sites: [[home, 'member']] }),
      manager: await makeUser(testApp.dataSource, {
        sites: [
          [home, 'manager'],
          [other, 'manager'],
        ],
      }),
    };
    sessions = {
      viewer: await sessionIn(testApp, users.viewer, home),
      member: await sessionIn(testApp, users.member, home),
      otherMember: await sessionIn(testApp, users.otherMember, home),
      manager: await sessionIn(testApp, users.manager, home),
    };
    foreignRecord = await makeInteraction(
      testApp.dataSource,
      { site: other, user: users.manager },
      { title: 'Secret of the other site' },
    );
  });
  afterAll(async () => {
    await testApp.close();
  });

  const call = (
    method: 'GET' | 'PUT' | 'PATCH' | 'DELETE',
    id: string | number,
    headers: Record<string, string>,
  ) =>
    testApp.request({
      method,
      url: `/api/v1/interactions/${id}`,
      headers,
      payload:
        method === 'PUT'
          ? EXAMPLE_INTERACTION
          : method === 'PATCH'
            ? { notes: 'changed' }
            : undefined,
    });

  describe('isolation between sites', () => {
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) {
      it(`answers 404 to ${method} of a record of another site, even for a manager of both`, async () => {
        expectError(await call(method, foreignRecord.id, sessions.manager), 404, 'NOT_FOUND');
      });
    }

    it('never lists or finds records of another site', async () => {
      const list = await testApp.request({
        method: 'GET',
        url: '/api/v1/interactions?search=Secret',
        headers: sessions.manager,
      });
      expect(list.json()).toMatchObject({ interactions: [], total: 0 });
    });

    it('leaves the foreign record untouched', async () => {
      const [row] = await testApp.dataSource.query<Array<{ notes: string; version: number }>>(
        'SELECT notes, version FROM interactions WHERE id = $1',
        [foreignRecord.id],
      );
      expect(row).toEqual({ notes: '', version: 1 });
    });

    it('creates in the session site, whatever site_id the body names', async () => {
      const response = await testApp.request({
        method: 'POST',
        url: '/api/v1/interactions',
        headers: sessions.manager,
        payload: { ...EXAMPLE_INTERACTION, site_id: other.id },
      });
      expect(response.json<{ interaction: { site_id: number } }>().interaction.site_id).toBe(
        home.id,
      );
    });
  });

  describe('site context', () => {
    it('answers 403 SITE_CONTEXT_REQUIRED to a user of several sites who selected none', async () => {
      const { token } = await login(testApp, users.manager);
      const response = await testApp.request({
        method: 'GET',
        url: '/api/v1/interactions',
        headers: bearer(token),
      });
      expectError(response, 403, 'SITE_CONTEXT_REQUIRED');
    });

    it('works without selection for a user of exactly one site', async () => {
      const { token } = await login(testApp, users.viewer);
      const response = await testApp.request({
        method: 'GET',
        url: '/api/v1/interactions',
        headers: bearer(token),
      });
      expect(response.statusCode).toBe(200);
    });

    it('follows a site switch within the same token', async () => {
      const { token } = await login(testApp, users.manager);
      await testApp.request({
        method: 'POST',
        url: '/api/v1/auth/site',
        headers: bearer(token),
        payload: { site_id: other.id },
      });
      const response = await testApp.request({
        method: 'GET',
        url: `/api/v1/interactions/${foreignRecord.id}`,
        headers: bearer(token),
      });
      expect(response.statusCode).toBe(200);
    });

    it('stops access at once when the membership of the selected site is revoked', async () => {
      const leaver = await makeUser(testApp.dataSource, { sites: [[home, 'member']] });
      const headers = await sessionIn(testApp, leaver, home);
      await testApp.dataSource.query('DELETE FROM site_memberships WHERE user_id = $1', [
        leaver.id,
      ]);
      const response = await testApp.request({
        method: 'GET',
        url: '/api/v1/interactions',
        headers,
      });
      expectError(response, 403, 'SITE_CONTEXT_REQUIRED');
    });
  });

  describe('roles', () => {
    const ownRecordOf = (role: 'member' | 'manager') =>
      makeInteraction(testApp.dataSource, { site: home, user: users[role] });
    const recordOfSomeoneElse = () =>
      makeInteraction(testApp.dataSource, { site: home, user: users.otherMember });

    it('lets a viewer list and read', async () => {
      const record = await recordOfSomeoneElse();
      expect(
        (
          await testApp.request({
            method: 'GET',
            url: '/api/v1/interactions',
            headers: sessions.viewer,
          })
        ).statusCode,
      ).toBe(200);
      expect((await call('GET', record.id, sessions.viewer)).statusCode).toBe(200);
    });

    it('refuses a viewer to create with 403 FORBIDDEN', async () => {
      const response = await testApp.request({
        method: 'POST',
        url: '/api/v1/interactions',
        headers: sessions.viewer,
        payload: EXAMPLE_INTERACTION,
      });
      expectError(response, 403, 'FORBIDDEN');
    });

    for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
      it(`refuses a viewer to ${method} with 403 FORBIDDEN`, async () => {
        const record = await recordOfSomeoneElse();
        expectError(await call(method, record.id, sessions.viewer), 403, 'FORBIDDEN');
      });

      it(`lets a member ${method} a record they created`, async () => {
        const record = await ownRecordOf('member');
        expect((await call(method, record.id, sessions.member)).statusCode).toBe(200);
      });

      it(`refuses a member to ${method} a record someone else created`, async () => {
        const record = await recordOfSomeoneElse();
        expectError(await call(method, record.id, sessions.member), 403, 'FORBIDDEN');
      });

      it(`lets a manager ${method} any record of the site`, async () => {
        const record = await recordOfSomeoneElse();
        expect((await call(method, record.id, sessions.manager)).statusCode).toBe(200);
      });
    }

    it('lets a member create, recording them as the creator', async () => {
      const response = await testApp.request({
        method: 'POST',
        url: '/api/v1/interactions',
        headers: sessions.member,
        payload: EXAMPLE_INTERACTION,
      });
      expect(response.statusCode).toBe(201);
      expect(response.json<{ interaction: { created_by: number } }>().interaction.created_by).toBe(
        users.member.id,
      );
    });
  });

  it('requires a token on every interactions endpoint', async () => {
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) {
      expectError(await call(method, 1, {}), 401, 'UNAUTHORIZED');
    }
  });
});
