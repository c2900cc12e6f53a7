import { Client } from 'pg';
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
    // The deletion stays a deletion (null) once the record is back.
    const again = await feed(start);
    expect(
      again.changes.map((change) => [change.action, change.interaction?.title ?? null]),
    ).toEqual([
      ['created', 'Feed one, renamed'],
      ['updated', 'Feed one, renamed'],
      ['created', 'Feed two'],
      ['deleted', null],
      ['restored', 'Feed two'],
    ]);
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

  /**
   * Holds the create of `title` inside its statement at the point `trigger` (a BEFORE INSERT row
   * trigger on `table`) until `release()`: the trigger waits for an advisory lock this test holds.
   */
  async function holdCreateAt(table: 'interactions' | 'audit_events', title: string) {
    const key = 4_242_001;
    const holder = new Client({ connectionString: testApp.config.databaseUrl });
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock($1)', [key]);
    const condition =
      table === 'interactions' ? `NEW.title = '${title}'` : `NEW.request_id = 'hold-${key}'`;
    await testApp.dataSource.query(`
      CREATE FUNCTION test_hold_create() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF ${condition} THEN PERFORM pg_advisory_xact_lock(${key}); END IF;
        RETURN NEW;
      END $$`);
    await testApp.dataSource.query(
      `CREATE TRIGGER test_hold_create BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION test_hold_create()`,
    );
    const held = create(title, { ...session, 'x-request-id': `hold-${key}` });
    await until(async () => {
      const [{ waiting }] = await testApp.dataSource.query<Array<{ waiting: string }>>(
        `SELECT count(*) AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`,
      );
      return Number(waiting) === 1;
    }, `the create of ${title} to wait in its statement`);
    return {
      held,
      release: async () => {
        await holder.query('SELECT pg_advisory_unlock($1)', [key]);
        await holder.end();
      },
      drop: async () => {
        await testApp.dataSource.query(`DROP TRIGGER IF EXISTS test_hold_create ON ${table}`);
        await testApp.dataSource.query(`DROP FUNCTION IF EXISTS test_hold_create()`);
      },
    };
  }

  it('misses no change when a transaction that began first commits last', async () => {
    // The first create waits inside its statement after its row got the lower id, before it
    // takes its place in the feed; the second begins later and commits first.
    const start = (await feed()).next;
    const first = await holdCreateAt('interactions', 'Began first');
    try {
      const second = await create('Began second');
      // The first is still open: the feed has the second only, and says where to go on from.
      const during = await feed(start);
      expect(during.changes.map((change) => change.id)).toEqual([second.id]);

      await first.release();
      const firstCreated = await first.held;
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
      await first.drop();
    }
  });

  it('holds later writes of the site while one that has its place is open, then gives both in order', async () => {
    // The first create has taken its place in the feed and waits before its event is written.
    const start = (await feed()).next;
    const first = await holdCreateAt('audit_events', 'Placed first');
    try {
      const second = create('Placed second');
      const secondDone = await Promise.race([
        second.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 300)),
      ]);
      expect(secondDone).toBe(false);
      expect((await feed(start)).changes).toEqual([]);

      await first.release();
      const [firstCreated, secondCreated] = await Promise.all([first.held, second]);
      const { changes, next } = await feed(start);
      expect(changes.map((change) => change.id)).toEqual([firstCreated.id, secondCreated.id]);
      expect(Number(next)).toBe(Number(start) + 2);
    } finally {
      await first.drop();
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
