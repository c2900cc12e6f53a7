import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventDto } from '../../src/audit/dto/audit-event.dto';
import type { User } from '../../src/auth/entities/user.entity';
import { TRASH_PURGE_LOCK_KEY, TrashRetention } from '../../src/interactions/trash/trash-retention';
import type { Site } from '../../src/sites/entities/site.entity';
import { expectError } from '../support/auth-helpers';
import { makeSite, makeUser } from '../support/factories';
import { EXAMPLE_INTERACTION, interactionOf, sessionIn } from '../support/interaction-helpers';
import { createTestApp, type TestApp } from '../support/test-app';

interface AuditPage {
  events: AuditEventDto[];
  page_size: number;
  next_cursor: string | null;
}

describe('audit trail endpoint and trash retention', () => {
  let testApp: TestApp;
  let site: Site;
  let otherSite: Site;
  let manager: User;
  let member: User;
  let managerSession: Record<string, string>;
  let memberSession: Record<string, string>;
  let otherManagerSession: Record<string, string>;

  beforeAll(async () => {
    testApp = await createTestApp({ TRASH_RETENTION: '1h' });
    site = await makeSite(testApp.dataSource, { name: 'Audit site' });
    otherSite = await makeSite(testApp.dataSource, { name: 'Audit other site' });
    manager = await makeUser(testApp.dataSource, { sites: [[site, 'manager']] });
    member = await makeUser(testApp.dataSource, { sites: [[site, 'member']] });
    const otherManager = await makeUser(testApp.dataSource, { sites: [[otherSite, 'manager']] });
    managerSession = await sessionIn(testApp, manager, site);
    memberSession = await sessionIn(testApp, member, site);
    otherManagerSession = await sessionIn(testApp, otherManager, otherSite);
  });
  afterAll(async () => {
    await testApp.close();
  });

  const audit = (query: string, headers = managerSession) =>
    testApp.request({ method: 'GET', url: `/api/v1/audit${query}`, headers });
  const auditPage = async (query: string, headers = managerSession) => {
    const response = await audit(query, headers);
    expect(response.statusCode).toBe(200);
    return response.json<AuditPage>();
  };
  const create = async (headers: Record<string, string>, title = 'Audited interaction') => {
    const response = await testApp.request({
      method: 'POST',
      url: '/api/v1/interactions',
      headers,
      payload: { ...EXAMPLE_INTERACTION, title },
    });
    expect(response.statusCode).toBe(201);
    return interactionOf(response);
  };
  const remove = async (id: number, headers = managerSession) => {
    const response = await testApp.request({
      method: 'DELETE',
      url: `/api/v1/interactions/${id}`,
      headers,
    });
    expect(response.statusCode).toBe(200);
  };

  it('is for managers of the site only', async () => {
    expectError(await audit('', memberSession), 403, 'FORBIDDEN');
    expectError(
      await testApp.request({ method: 'GET', url: '/api/v1/audit' }),
      401,
      'UNAUTHORIZED',
    );
  });

  it("lists the site's events newest first, and none of another site", async () => {
    const first = await create(memberSession);
    const second = await create(managerSession);
    const foreign = await create(otherManagerSession);
    const { events } = await auditPage('?page_size=100');
    const ids = events.map((event) => event.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const targets = events.map((event) => event.target?.id);
    expect(targets).toContain(String(first.id));
    expect(targets).toContain(String(second.id));
    expect(targets).not.toContain(String(foreign.id));
    expect(events.every((event) => event.site_id === site.id)).toBe(true);
  });

  it('filters by action, actor, target and time', async () => {
    const record = await create(memberSession, 'Filtered one');
    await testApp.request({
      method: 'PATCH',
      url: `/api/v1/interactions/${record.id}`,
      headers: managerSession,
      payload: { title: 'Filtered two' },
    });
    const byTarget = await auditPage(`?target_id=${record.id}`);
    expect(byTarget.events.map((event) => event.action)).toEqual([
      'interaction.updated',
      'interaction.created',
    ]);
    const byAction = await auditPage(`?action=interaction.updated&target_id=${record.id}`);
    expect(byAction.events.map((event) => event.actor.id)).toEqual([String(manager.id)]);
    const byActor = await auditPage(`?actor_id=${member.id}&page_size=100`);
    expect(byActor.events.length).toBeGreaterThan(0);
    expect(byActor.events.every((event) => event.actor.id === String(member.id))).toBe(true);

    const createdAt = byTarget.events[1].occurred_at;
    const updatedAt = byTarget.events[0].occurred_at;
    const window = await auditPage(
      `?target_id=${record.id}&from=${encodeURIComponent(createdAt)}&to=${encodeURIComponent(updatedAt)}`,
    );
    expect(window.events.map((event) => event.action)).toEqual(['interaction.created']);
    expect((await auditPage(`?target_id=${record.id}&from=2999-01-01T00:00:00Z`)).events).toEqual(
      [],
    );
  });

  it('refuses unknown filters and values', async () => {
    expectError(await audit('?action=interaction.exploded'), 400, 'BAD_REQUEST');
    expectError(await audit('?from=yesterday'), 400, 'BAD_REQUEST');
    expectError(await audit('?actorid=1'), 400, 'BAD_REQUEST');
  });

  it('pages by cursor through every event once, and refuses a cursor of other filters', async () => {
    for (let index = 0; index < 5; index += 1) {
      await create(memberSession, `Paged ${index}`);
    }
    const all = await auditPage('?page_size=100');
    const seen: number[] = [];
    let query = '?page_size=3';
    for (;;) {
      const page = await auditPage(query);
      seen.push(...page.events.map((event) => event.id));
      if (page.next_cursor === null) break;
      query = `?page_size=3&cursor=${encodeURIComponent(page.next_cursor)}`;
    }
    expect(seen).toEqual(all.events.map((event) => event.id));
    const first = await auditPage('?page_size=1');
    expectError(
      await audit(
        `?action=interaction.created&cursor=${encodeURIComponent(first.next_cursor ?? '')}`,
      ),
      400,
      'BAD_REQUEST',
    );
  });

  it('purges what was trashed longer ago than TRASH_RETENTION, once, and audits each purge', async () => {
    const old = await create(memberSession, 'Old enough to purge');
    await remove(old.id);
    await testApp.dataSource.query(
      `UPDATE interactions_trash SET deleted_at = now() - interval '2 hours' WHERE id = $1`,
      [old.id],
    );
    const fresh = await create(memberSession, 'Deleted just now');
    await remove(fresh.id);

    const retention = testApp.app.get(TrashRetention);
    const purged = await retention.purgeExpired();
    expect(purged).toBeGreaterThanOrEqual(1);
    const left = await testApp.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM interactions_trash WHERE id = ANY($1)`,
      [[old.id, fresh.id]],
    );
    expect(left.map((row) => Number(row.id))).toEqual([fresh.id]);
    expectError(
      await testApp.request({
        method: 'POST',
        url: `/api/v1/interactions/${old.id}/restore`,
        headers: managerSession,
      }),
      404,
      'NOT_FOUND',
    );
    const { events } = await auditPage(`?target_id=${old.id}&action=interaction.purged`);
    expect(events).toHaveLength(1);
    expect(events[0].actor).toEqual({ type: 'system', id: null });
    // Purged records have no history any more for anyone to read.
    expectError(
      await testApp.request({
        method: 'GET',
        url: `/api/v1/interactions/${old.id}/history`,
        headers: managerSession,
      }),
      404,
      'NOT_FOUND',
    );
  });

  it('leaves the purge to the instance that holds its lock', async () => {
    const due = await create(memberSession, 'Due while another purges');
    await remove(due.id);
    await testApp.dataSource.query(
      `UPDATE interactions_trash SET deleted_at = now() - interval '2 hours' WHERE id = $1`,
      [due.id],
    );
    const other = new Client({ connectionString: testApp.config.databaseUrl });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock($1)', [TRASH_PURGE_LOCK_KEY]);
      expect(await testApp.app.get(TrashRetention).purgeExpired()).toBe(0);
      const [{ n }] = await testApp.dataSource.query<Array<{ n: string }>>(
        `SELECT count(*) AS n FROM interactions_trash WHERE id = $1`,
        [due.id],
      );
      expect(Number(n)).toBe(1);
      await other.query('COMMIT');
    } finally {
      await other.end();
    }
    expect(await testApp.app.get(TrashRetention).purgeExpired()).toBe(1);
  });
});
