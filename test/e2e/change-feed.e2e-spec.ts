import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/entities/user.entity';
import type { Site } from '../../src/sites/entities/site.entity';
import { expectError } from '../support/auth-helpers';
import { makeSite, makeUser } from '../support/factories';
import { EXAMPLE_INTERACTION, interactionOf, sessionIn } from '../support/interaction-helpers';
import { createTestApp, type TestApp } from '../support/test-app';
import { until } from '../support/until';

interface Change {
  id: number;
  action: string;
  version: number;
  occurred_at: string;
  interaction: { id: number; title: string } | null;
}
interface Feed {
  changes: Change[];
  next: string;
}

describe('change feed', () => {
  let testApp: TestApp;
  let site: Site;
  let otherSite: Site;
  let member: User;
  let session: Record<string, string>;
  let viewerSession: Record<string, string>;
  let otherSession: Record<string, string>;

  beforeAll(async () => {
    testApp = await createTestApp();
    site = await makeSite(testApp.dataSource, { name: 'Feed site' });
    otherSite = await makeSite(testApp.dataSource, { name: 'Feed other site' });
    member = await makeUser(testApp.dataSource, { sites: [[site, 'member']] });
    const viewer = await makeUser(testApp.dataSource, { sites: [[site, 'viewer']] });
    const outsider = await makeUser(testApp.dataSource, { sites: [[otherSite, 'manager']] });
    session = await sessionIn(testApp, member, site);
    viewerSession = await sessionIn(testApp, viewer, site);
    otherSession = await sessionIn(testApp, outsider, otherSite);
  });
  afterAll(async () => {
    await testApp.close();
  });

  const feed = async (since?: string, headers = viewerSession, limit?: number) => {
    const query = new URLSearchParams();
    if (since !== undefined) query.set('since', since);
    if (limit !== undefined) query.set('limit', String(limit));
    const response = await testApp.request({
      method: 'GET',
      url: `/api/v1/interactions/changes?${query.toString()}`,
      headers,
    });
    expect(response.statusCode).toBe(200);
    return response.json<Feed>();
  };
  const create = async (title: string, headers = session) => {
    const response = await testApp.request({
      method: 'POST',
      url: '/api/v1/interactions',
      headers,
      payload: { ...EXAMPLE_INTERACTION, title },
    });
    expect(response.statusCode).toBe(201);
    return interactionOf(response);
  };

  it('gives every change of the site once, in order, with the record as it is now', async () => {
    const start = (await feed()).next;
    const created = await create('Feed one');
    const patched = await testApp.request({
      method: 'PATCH',
      url: `/api/v1/interactions/${created.id}`,
      headers: session,
      payload: { title: 'Feed one, renamed' },
    });
    expect(patched.statusCode).toBe(200);
    const gone = await create('Feed two');
    await testApp.request({
      method: 'DELETE',
      url: `/api/v1/interactions/${gone.id}`,
      headers: session,
    });
    await create('Another site', otherSession);

    const { changes, next } = await feed(start);
    expect(changes.map((change) => [change.id, change.action, change.version])).toEqual([
      [created.id, 'created', 1],
      [created.id, 'updated', 2],
      [gone.id, 'created', 1],
      [gone.id, 'deleted', 1],
    ]);
    expect(changes[0].interaction?.title).toBe('Feed one, renamed');
    expect(changes[2].interaction).toBeNull();
    expect(changes[3].interaction).toBeNull();
    expect(await feed(next)).toEqual({ changes: [], next });

    const restored = await testApp.request({
      method: 'POST',
      url: `/api/v1/interactions/${gone.id}/restore`,
      headers: session,
    });
    expect(restored.statusCode).toBe(200);
    const after = await feed(next);
    expect(after.changes.map((change) => [change.id, change.action, change.version])).toEqual([
      [gone.id, 'restored', 2],
    ]);
    expect(after.changes[0].interaction?.title).toBe('Feed two');
  });

  it('gives each imported row as a change of version 1', async () => {
    const start = (await feed()).next;
    const body = ['Imported first', 'Imported second']
      .map((title) => JSON.stringify({ ...EXAMPLE_INTERACTION, title }))
      .join('\n');
    const imported = await testApp.request({
      method: 'POST',
      url: '/api/v1/interactions/import',
      headers: { ...session, 'content-type': 'application/x-ndjson' },
      payload: body,
    });
    expect(imported.statusCode).toBe(200);
    const { changes } = await feed(start);
    expect(
      changes.map((change) => [change.action, change.version, change.interaction?.title]),
    ).toEqual([
      ['imported', 1, 'Imported first'],
      ['imported', 1, 'Imported second'],
    ]);
  });

  it('pages with limit, and without since starts at the oldest change kept', async () => {
    const all = await feed(undefined, viewerSession, 1000);
    expect(all.changes.length).toBeGreaterThan(3);
    const paged: Change[] = [];
    let since: string | undefined;
    for (;;) {
      const page = await feed(since, viewerSession, 2);
      if (page.changes.length === 0) break;
      paged.push(...page.changes);
      since = page.next;
    }
    expect(paged).toEqual(all.changes);
  });

  it('shows no change of another site', async () => {
    const mine = await create('Only in the other site', otherSession);
    const { changes } = await feed(undefined, viewerSession, 1000);
    expect(changes.map((change) => change.id)).not.toContain(mine.id);
  });

  it('refuses a since that is not an earlier next', async () => {
    for (const since of ['-1', 'abc', '1.5']) {
      const response = await testApp.request({
        method: 'GET',
        url: `/api/v1/interactions/changes?since=${since}`,
        headers: viewerSession,
      });
      expectError(response, 400, 'BAD_REQUEST');
    }
  });

  it('misses no change when a transaction that began first commits last', async () => {
    // The first create sleeps inside its statement, after its row got the lower id and before
    // its transaction ends; the second begins later and commits first.
    await testApp.dataSource.query(`
      CREATE FUNCTION test_slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.title = 'Began first' THEN PERFORM pg_sleep(1.5); END IF;
        RETURN NEW;
      END $$`);
    await testApp.dataSource.query(
      `CREATE TRIGGER test_slow_insert BEFORE INSERT ON interactions FOR EACH ROW EXECUTE FUNCTION test_slow_insert()`,
    );
    try {
      const start = (await feed()).next;
      const first = create('Began first');
      await until(async () => {
        const [{ waiting }] = await testApp.dataSource.query<Array<{ waiting: string }>>(
          `SELECT count(*) AS waiting FROM pg_stat_activity WHERE wait_event = 'PgSleep'`,
        );
        return Number(waiting) === 1;
      }, 'the first create to sleep in its statement');
      const second = await create('Began second');
      // The first is still open: the feed has the second only, and says where to go on from.
      const during = await feed(start);
      expect(during.changes.map((change) => change.id)).toEqual([second.id]);

      const firstCreated = await first;
      expect(firstCreated.id).toBeLessThan(second.id);
      const after = await feed(during.next);
      expect(after.changes.map((change) => [change.id, change.action])).toEqual([
        [firstCreated.id, 'created'],
      ]);
      // In commit order over the whole range: the second, then the first.
      expect((await feed(start)).changes.map((change) => change.id)).toEqual([
        second.id,
        firstCreated.id,
      ]);
    } finally {
      await testApp.dataSource.query(`DROP TRIGGER test_slow_insert ON interactions`);
      await testApp.dataSource.query(`DROP FUNCTION test_slow_insert()`);
    }
  });

  it('never shows a change that rolled back, and keeps no gap for it', async () => {
    const start = (await feed()).next;
    await testApp.dataSource.query(
      `ALTER TABLE interactions ADD CONSTRAINT test_refuse_title CHECK (title <> 'Rolled back')`,
    );
    try {
      const refused = await testApp.request({
        method: 'POST',
        url: '/api/v1/interactions',
        headers: session,
        payload: { ...EXAMPLE_INTERACTION, title: 'Rolled back' },
      });
      expect(refused.statusCode).toBe(500);
    } finally {
      await testApp.dataSource.query(`ALTER TABLE interactions DROP CONSTRAINT test_refuse_title`);
    }
    const kept = await create('Kept after the rollback');
    const { changes, next } = await feed(start);
    expect(changes.map((change) => change.id)).toEqual([kept.id]);
    expect(Number(next)).toBe(Number(start) + 1);
  });
});
