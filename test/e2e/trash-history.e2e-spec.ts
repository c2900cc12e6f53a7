import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventDto } from '../../src/audit/dto/audit-event.dto';
import type { User } from '../../src/auth/entities/user.entity';
import type { InteractionDto } from '../../src/interactions/dto/interaction.dto';
import type { SiteRole } from '../../src/sites/entities/site-membership.entity';
import type { Site } from '../../src/sites/entities/site.entity';
import { refuseAuditEventsOf } from '../support/audit-events';
import { expectError } from '../support/auth-helpers';
import { makeSite, makeUser } from '../support/factories';
import { EXAMPLE_INTERACTION, interactionOf, sessionIn } from '../support/interaction-helpers';
import { createTestApp, type TestApp } from '../support/test-app';

type Role = SiteRole | 'otherMember';

describe('trash, restore and history', () => {
  let testApp: TestApp;
  let home: Site;
  let other: Site;
  let users: Record<Role, User>;
  let sessions: Record<Role, Record<string, string>>;

  beforeAll(async () => {
    testApp = await createTestApp();
    home = await makeSite(testApp.dataSource, { name: 'Trash home' });
    other = await makeSite(testApp.dataSource, { name: 'Trash other' });
    users = {
      viewer: await makeUser(testApp.dataSource, { sites: [[home, 'viewer']] }),
      member: await makeUser(testApp.dataSource, { sites: [[home, 'member']] }),
      otherMember: await makeUser(testApp.dataSource, {
        sites: [
          [home, 'member'],
          [other, 'manager'],
        ],
      }),
      manager: await makeUser(testApp.dataSource, { sites: [[home, 'manager']] }),
    };
    sessions = {
      viewer: await sessionIn(testApp, users.viewer, home),
      member: await sessionIn(testApp, users.member, home),
      otherMember: await sessionIn(testApp, users.otherMember, home),
      manager: await sessionIn(testApp, users.manager, home),
    };
  });
  afterAll(async () => {
    await testApp.close();
  });

  const create = async (who: Role, overrides: Record<string, unknown> = {}) => {
    const response = await testApp.request({
      method: 'POST',
      url: '/api/v1/interactions',
      headers: sessions[who],
      payload: { ...EXAMPLE_INTERACTION, ...overrides },
    });
    expect(response.statusCode).toBe(201);
    return { interaction: interactionOf(response), etag: String(response.headers.etag) };
  };
  const remove = (who: Role, id: number, headers: Record<string, string> = {}) =>
    testApp.request({
      method: 'DELETE',
      url: `/api/v1/interactions/${id}`,
      headers: { ...sessions[who], ...headers },
    });
  const restore = (who: Role, id: number, headers: Record<string, string> = {}) =>
    testApp.request({
      method: 'POST',
      url: `/api/v1/interactions/${id}/restore`,
      headers: { ...sessions[who], ...headers },
    });
  const get = (who: Role, url: string) =>
    testApp.request({ method: 'GET', url, headers: sessions[who] });
  const history = async (who: Role, id: number) => {
    const response = await get(who, `/api/v1/interactions/${id}/history`);
    expect(response.statusCode).toBe(200);
    return response.json<{ events: AuditEventDto[] }>().events;
  };
  const trashIds = async (who: Role, query = '') => {
    const response = await get(who, `/api/v1/interactions/trash${query}`);
    expect(response.statusCode).toBe(200);
    return response.json<{ interactions: Array<InteractionDto & { etag: string }> }>();
  };

  it('records who created, changed, deleted and restored a record, with each changed field before and after', async () => {
    const { interaction, etag } = await create('member', { title: 'Before' });
    const patched = await testApp.request({
      method: 'PATCH',
      url: `/api/v1/interactions/${interaction.id}`,
      headers: { ...sessions.manager, 'if-match': etag, 'x-request-id': 'patch-req-1' },
      payload: { title: 'After', notes: null, location: 'Virtual Conference Room' },
    });
    expect(patched.statusCode).toBe(200);
    expect((await remove('member', interaction.id)).statusCode).toBe(200);
    const restored = await restore('manager', interaction.id);
    expect(restored.statusCode).toBe(200);

    const events = await history('manager', interaction.id);
    expect(events.map((event) => [event.action, event.actor])).toEqual([
      ['interaction.created', { type: 'user', id: String(users.member.id) }],
      ['interaction.updated', { type: 'user', id: String(users.manager.id) }],
      ['interaction.deleted', { type: 'user', id: String(users.member.id) }],
      ['interaction.restored', { type: 'user', id: String(users.manager.id) }],
    ]);
    // Only what changed: the location was sent unchanged.
    expect(events[1].changes).toEqual({
      title: ['Before', 'After'],
      notes: ['Prepare progress report', ''],
    });
    expect(events[1].request_id).toBe('patch-req-1');
    expect(events[1].ip).toBe('127.0.0.1');
    expect(events.every((event) => event.site_id === home.id)).toBe(true);
    expect(events.every((event) => event.target?.id === String(interaction.id))).toBe(true);
    expect(events[0].changes).toBeNull();
    // Viewers see who did what, but not from which address or request.
    const seenByViewer = await history('viewer', interaction.id);
    expect(seenByViewer.map(({ action, actor }) => ({ action, actor }))).toEqual(
      events.map(({ action, actor }) => ({ action, actor })),
    );
    expect(seenByViewer.every((event) => event.ip === null && event.request_id === null)).toBe(
      true,
    );
  });

  it('pages a history oldest first by cursor', async () => {
    const { interaction } = await create('manager');
    for (const notes of ['one', 'two', 'three']) {
      const patched = await testApp.request({
        method: 'PATCH',
        url: `/api/v1/interactions/${interaction.id}`,
        headers: sessions.manager,
        payload: { notes },
      });
      expect(patched.statusCode).toBe(200);
    }
    const first = await get(
      'manager',
      `/api/v1/interactions/${interaction.id}/history?page_size=3`,
    );
    const page = first.json<{ events: AuditEventDto[]; next_cursor: string | null }>();
    expect(page.events.map((event) => event.changes?.notes?.[1] ?? event.action)).toEqual([
      'interaction.created',
      'one',
      'two',
    ]);
    const rest = (
      await get(
        'manager',
        `/api/v1/interactions/${interaction.id}/history?page_size=3&cursor=${encodeURIComponent(page.next_cursor ?? '')}`,
      )
    ).json<{ events: AuditEventDto[]; next_cursor: string | null }>();
    expect(rest.events.map((event) => event.changes?.notes?.[1])).toEqual(['three']);
    expect(rest.next_cursor).toBeNull();
  });

  it('gives each event the request id the response carried', async () => {
    const response = await testApp.request({
      method: 'POST',
      url: '/api/v1/interactions',
      headers: sessions.member,
      payload: EXAMPLE_INTERACTION,
    });
    const [created] = await history('manager', interactionOf(response).id);
    expect(created.request_id).toBe(response.headers['x-request-id']);
  });

  it('hides a trashed record from reads, searches and totals, and brings it back on restore', async () => {
    const title = 'Zebracorn quarterly review';
    const { interaction } = await create('member', { title });
    const totalOf = async (url: string) =>
      (await get('viewer', url)).json<{ total: number }>().total;
    const before = {
      list: await totalOf('/api/v1/interactions'),
      search: await totalOf('/api/v1/interactions?search=zebracorn'),
      text: await totalOf('/api/v1/search/interactions?query=zebracorn'),
      range: await totalOf('/api/v1/search/date-range?start_date=2023-06-20&end_date=2023-06-20'),
    };
    expect(before.search).toBe(1);

    expect((await remove('member', interaction.id)).statusCode).toBe(200);
    expectError(await get('viewer', `/api/v1/interactions/${interaction.id}`), 404, 'NOT_FOUND');
    expect(await totalOf('/api/v1/interactions')).toBe(before.list - 1);
    expect(await totalOf('/api/v1/interactions?search=zebracorn')).toBe(0);
    expect(await totalOf('/api/v1/search/interactions?query=zebracorn')).toBe(0);
    expect(
      await totalOf('/api/v1/search/date-range?start_date=2023-06-20&end_date=2023-06-20'),
    ).toBe(before.range - 1);
    const advanced = await testApp.request({
      method: 'POST',
      url: '/api/v1/search/advanced',
      headers: sessions.viewer,
      payload: { filters: [{ field: 'id', operator: 'eq', value: interaction.id }] },
    });
    expect(advanced.json<{ total: number }>().total).toBe(0);
    const exported = await get('viewer', '/api/v1/interactions/export?format=ndjson');
    expect(exported.statusCode).toBe(200);
    expect(exported.body).not.toContain(title);
    const listed = (await get('viewer', '/api/v1/interactions?page_size=100')).json<{
      interactions: InteractionDto[];
    }>();
    expect(listed.interactions.map((row) => row.id)).not.toContain(interaction.id);
    // Changing a trashed record is as for a missing one.
    expectError(
      await testApp.request({
        method: 'PATCH',
        url: `/api/v1/interactions/${interaction.id}`,
        headers: sessions.member,
        payload: { title: 'Something else' },
      }),
      404,
      'NOT_FOUND',
    );

    expect((await restore('member', interaction.id)).statusCode).toBe(200);
    expect(await totalOf('/api/v1/interactions')).toBe(before.list);
    expect(await totalOf('/api/v1/interactions?search=zebracorn')).toBe(1);
    expect((await get('viewer', '/api/v1/interactions/export?format=ndjson')).body).toContain(
      title,
    );
    const back = await get('viewer', `/api/v1/interactions/${interaction.id}`);
    const { updated_at: restoredAt, ...restored } = interactionOf(back);
    const { updated_at: createdAt, ...created } = interaction;
    expect(restored).toEqual(created);
    expect(restoredAt >= createdAt).toBe(true);
  });

  it('lists the site trash to managers and their own trashed records to members; viewers are refused', async () => {
    const mine = await create('member');
    const theirs = await create('otherMember');
    await remove('member', mine.interaction.id);
    await remove('manager', theirs.interaction.id);

    const managerView = (await trashIds('manager')).interactions.map((row) => row.id);
    expect(managerView).toEqual(
      expect.arrayContaining([mine.interaction.id, theirs.interaction.id]),
    );
    const memberView = await trashIds('member');
    expect(memberView.interactions.map((row) => row.id)).toContain(mine.interaction.id);
    expect(memberView.interactions.map((row) => row.id)).not.toContain(theirs.interaction.id);
    expect(memberView.interactions.every((row) => row.created_by === users.member.id)).toBe(true);
    const trashed = memberView.interactions.find((row) => row.id === mine.interaction.id);
    expect(trashed).toMatchObject({ deleted_by: users.member.id, etag: mine.etag });

    expectError(await get('viewer', '/api/v1/interactions/trash'), 403, 'FORBIDDEN');
    // The other site's manager sees nothing of this site's trash.
    const otherSession = await sessionIn(testApp, users.otherMember, other);
    const foreign = await testApp.request({
      method: 'GET',
      url: '/api/v1/interactions/trash',
      headers: otherSession,
    });
    expect(foreign.json<{ interactions: unknown[] }>().interactions).toEqual([]);
  });

  it('pages through the trash by cursor, newest deletion first, without repeats', async () => {
    const ids: number[] = [];
    for (let index = 0; index < 5; index += 1) {
      const { interaction } = await create('manager');
      await remove('manager', interaction.id);
      ids.push(interaction.id);
    }
    const seen: number[] = [];
    let url = '/api/v1/interactions/trash?page_size=2';
    for (;;) {
      const page = (await get('manager', url)).json<{
        interactions: InteractionDto[];
        next_cursor: string | null;
      }>();
      seen.push(...page.interactions.map((row) => row.id));
      if (page.next_cursor === null) {
        break;
      }
      url = `/api/v1/interactions/trash?page_size=2&cursor=${encodeURIComponent(page.next_cursor)}`;
    }
    expect(new Set(seen).size).toBe(seen.length);
    const newestFirst = seen.filter((id) => ids.includes(id));
    expect(newestFirst).toEqual([...ids].reverse());
  });

  it('restores with the rules of delete and honours If-Match', async () => {
    const { interaction, etag } = await create('otherMember');
    expect((await remove('otherMember', interaction.id, { 'if-match': etag })).statusCode).toBe(
      200,
    );
    expectError(await restore('member', interaction.id), 403, 'FORBIDDEN');
    expectError(await restore('viewer', interaction.id), 403, 'FORBIDDEN');
    expectError(
      await restore('otherMember', interaction.id, { 'if-match': '"1.99"' }),
      412,
      'PRECONDITION_FAILED',
    );
    const restored = await restore('otherMember', interaction.id, { 'if-match': etag });
    expect(restored.statusCode).toBe(200);
    expect(restored.headers.etag).toBe(`"${interaction.id}.2"`);
    expect(interactionOf(restored).id).toBe(interaction.id);
    // The old ETag no longer matches the record; the new one does.
    expectError(
      await remove('otherMember', interaction.id, { 'if-match': etag }),
      412,
      'PRECONDITION_FAILED',
    );
    // Restoring what is not in the trash is 404 (another site's records: the authorization matrix).
    expectError(await restore('otherMember', interaction.id), 404, 'NOT_FOUND');
  });

  it('shows a trashed record’s history to those who see it in the trash, and 404 to others', async () => {
    const { interaction } = await create('otherMember');
    await remove('otherMember', interaction.id);
    expect((await history('otherMember', interaction.id)).map((e) => e.action)).toEqual([
      'interaction.created',
      'interaction.deleted',
    ]);
    expect((await history('manager', interaction.id)).length).toBe(2);
    expectError(
      await get('member', `/api/v1/interactions/${interaction.id}/history`),
      404,
      'NOT_FOUND',
    );
    expectError(
      await get('viewer', `/api/v1/interactions/${interaction.id}/history`),
      404,
      'NOT_FOUND',
    );
  });

  it('records nothing for a write that fails, and writes nothing whose event fails', async () => {
    const { interaction, etag } = await create('member');
    const countEvents = async () =>
      Number(
        (
          await testApp.dataSource.query<Array<{ n: string }>>(
            `SELECT count(*) AS n FROM audit_events WHERE target_id = $1`,
            [String(interaction.id)],
          )
        )[0].n,
      );
    const before = await countEvents();
    const stale = await testApp.request({
      method: 'PATCH',
      url: `/api/v1/interactions/${interaction.id}`,
      headers: { ...sessions.member, 'if-match': '"1.7"' },
      payload: { title: 'Never' },
    });
    expectError(stale, 412, 'PRECONDITION_FAILED');
    const invalid = await testApp.request({
      method: 'PATCH',
      url: `/api/v1/interactions/${interaction.id}`,
      headers: sessions.member,
      payload: { end_datetime: '2000-01-01T00:00:00Z' },
    });
    expect(invalid.statusCode).toBe(422);
    expect(await countEvents()).toBe(before);

    // The event's insert fails: the change must not commit without it.
    await testApp.dataSource.query(
      `ALTER TABLE audit_events ADD CONSTRAINT audit_events_test_refuse CHECK (action <> 'interaction.updated' OR target_id <> '${interaction.id}')`,
    );
    try {
      const refused = await testApp.request({
        method: 'PATCH',
        url: `/api/v1/interactions/${interaction.id}`,
        headers: { ...sessions.member, 'if-match': etag },
        payload: { title: 'Without an event' },
      });
      expect(refused.statusCode).toBe(500);
      const deleted = await remove('member', interaction.id);
      expect(deleted.statusCode).toBe(200);
    } finally {
      await testApp.dataSource.query(
        `ALTER TABLE audit_events DROP CONSTRAINT audit_events_test_refuse`,
      );
    }
    const [row] = await testApp.dataSource.query<Array<{ title: string; version: number }>>(
      `SELECT title, version FROM interactions_trash WHERE id = $1`,
      [interaction.id],
    );
    expect(row).toEqual({ title: EXAMPLE_INTERACTION.title, version: 1 });
  });

  it('neither trashes nor restores a record whose event cannot be written', async () => {
    const { interaction } = await create('member');
    const allowDeletes = await refuseAuditEventsOf(testApp.dataSource, 'interaction.deleted');
    try {
      expectError(await remove('member', interaction.id), 500, 'SERVER_ERROR');
    } finally {
      await allowDeletes();
    }
    expect((await get('viewer', `/api/v1/interactions/${interaction.id}`)).statusCode).toBe(200);

    expect((await remove('member', interaction.id)).statusCode).toBe(200);
    const allowRestores = await refuseAuditEventsOf(testApp.dataSource, 'interaction.restored');
    try {
      expectError(await restore('member', interaction.id), 500, 'SERVER_ERROR');
    } finally {
      await allowRestores();
    }
    expectError(await get('viewer', `/api/v1/interactions/${interaction.id}`), 404, 'NOT_FOUND');
    const trashed = await trashIds('member');
    expect(trashed.interactions.map((row) => row.id)).toContain(interaction.id);
    expect((await history('manager', interaction.id)).map((event) => event.action)).toEqual([
      'interaction.created',
      'interaction.deleted',
    ]);
  });

  it('has no route that changes or deletes an audit event', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE', 'POST'] as const) {
      for (const url of ['/api/v1/audit', '/api/v1/audit/1']) {
        const response = await testApp.request({ method, url, headers: sessions.manager });
        expect([404, 405]).toContain(response.statusCode);
      }
    }
    await expect(
      testApp.dataSource.query(`UPDATE audit_events SET action = 'x'`),
    ).rejects.toMatchObject({ driverError: { code: '42501' } });
    await expect(testApp.dataSource.query(`DELETE FROM audit_events`)).rejects.toMatchObject({
      driverError: { code: '42501' },
    });
  });
});
