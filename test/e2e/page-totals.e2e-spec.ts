import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/entities/user.entity';
import type { Site } from '../../src/sites/entities/site.entity';
import { makeInteraction, makeSite, makeUser } from '../support/factories';
import { interactionOf, sessionIn } from '../support/interaction-helpers';
import { createTestApp, type TestApp } from '../support/test-app';

/** What every "zebra" interaction has, so that each counted page below finds exactly them. */
const ZEBRA = {
  title: 'Zebra crossing review',
  type: 'Call',
  lead: 'Zebra Lead',
  start: '2024-03-10T10:00:00Z',
  end: '2024-03-10T11:00:00Z',
};

/** The pages whose total is counted, each asking for the zebra interactions only. */
const COUNTED_PAGES: Array<{ label: string; request: InjectOptions }> = [
  { label: 'list search', request: { method: 'GET', url: '/api/v1/interactions?search=zebra' } },
  {
    label: 'text search',
    request: { method: 'GET', url: '/api/v1/search/interactions?query=ZEBRA' },
  },
  {
    label: 'advanced',
    request: {
      method: 'POST',
      url: '/api/v1/search/advanced',
      payload: { filters: [{ field: 'title', operator: 'starts_with', value: 'zebra' }] },
    },
  },
  { label: 'by lead', request: { method: 'GET', url: '/api/v1/search/lead/zebra' } },
  { label: 'by type', request: { method: 'GET', url: '/api/v1/search/type/Call' } },
  {
    label: 'date range',
    request: {
      method: 'GET',
      url: '/api/v1/search/date-range?start_date=2024-03-01&end_date=2024-03-31',
    },
  },
];

/**
 * Totals of counted pages are reused while the site is unchanged (PageTotals): these tests show
 * that one is reused, and that every kind of write to the site, through the API or straight in
 * SQL as another instance or an operator would, makes the next page count again.
 */
describe('reused page totals', () => {
  let testApp: TestApp;
  let site: Site;
  let otherSite: Site;
  let user: User;
  let auth: Record<string, string>;

  beforeAll(async () => {
    testApp = await createTestApp();
    site = await makeSite(testApp.dataSource);
    otherSite = await makeSite(testApp.dataSource);
    user = await makeUser(testApp.dataSource, {
      sites: [
        [site, 'manager'],
        [otherSite, 'manager'],
      ],
    });
    for (const target of [site, site, site, otherSite]) {
      await makeZebra(target);
    }
    for (const startDatetime of [
      new Date('2024-01-05T09:00:00Z'),
      new Date('2024-05-05T09:00:00Z'),
    ]) {
      await makeInteraction(testApp.dataSource, { site, user }, { startDatetime });
    }
    auth = await sessionIn(testApp, user, site);
  });
  afterAll(async () => {
    await testApp.close();
  });

  function makeZebra(target: Site) {
    return makeInteraction(
      testApp.dataSource,
      { site: target, user },
      {
        title: ZEBRA.title,
        type: ZEBRA.type,
        lead: ZEBRA.lead,
        startDatetime: new Date(ZEBRA.start),
        endDatetime: new Date(ZEBRA.end),
      },
    );
  }

  /** Each counted page's total and number of rows, by label. */
  async function countedPages(
    headers: Record<string, string> = auth,
  ): Promise<Record<string, { total: number; rows: number }>> {
    const pages: Record<string, { total: number; rows: number }> = {};
    for (const { label, request } of COUNTED_PAGES) {
      const response = await testApp.request({ ...request, headers });
      expect({ label, status: response.statusCode }).toEqual({ label, status: 200 });
      const body = response.json<{ total: number } & Record<string, unknown>>();
      const rows = (body.results ?? body.interactions) as unknown[];
      pages[label] = { total: body.total, rows: rows.length };
    }
    return pages;
  }

  function everyPage(total: number, rows = total): Record<string, { total: number; rows: number }> {
    return Object.fromEntries(COUNTED_PAGES.map(({ label }) => [label, { total, rows }]));
  }

  it('reuses a total while nothing the database tracks changed in the site', async () => {
    expect(await countedPages()).toEqual(everyPage(3));
    // A row written behind the change count's back (its triggers off, as nothing in the product
    // can do) is on the page, but the total counted before is reused, so it is one short.
    await testApp.dataSource.transaction(async (manager) => {
      await manager.query('ALTER TABLE interactions DISABLE TRIGGER USER');
      await manager.query(
        `INSERT INTO interactions (site_id, created_by, title, type, lead, start_datetime, end_datetime, timezone)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'UTC')`,
        [site.id, user.id, ZEBRA.title, ZEBRA.type, ZEBRA.lead, ZEBRA.start, ZEBRA.end],
      );
      await manager.query('ALTER TABLE interactions ENABLE TRIGGER USER');
    });
    try {
      expect(await countedPages()).toEqual(everyPage(3, 4));
    } finally {
      await testApp.dataSource.transaction(async (manager) => {
        await manager.query('ALTER TABLE interactions DISABLE TRIGGER USER');
        await manager.query(
          `DELETE FROM interactions WHERE id = (SELECT max(id) FROM interactions WHERE site_id = $1)`,
          [site.id],
        );
        await manager.query('ALTER TABLE interactions ENABLE TRIGGER USER');
      });
    }
    expect(await countedPages()).toEqual(everyPage(3));
  });

  it('counts again after every kind of write to the site, through the API or not', async () => {
    expect(await countedPages()).toEqual(everyPage(3));

    const created = await testApp.request({
      method: 'POST',
      url: '/api/v1/interactions',
      headers: auth,
      payload: {
        title: ZEBRA.title,
        type: ZEBRA.type,
        lead: ZEBRA.lead,
        start_datetime: ZEBRA.start,
        end_datetime: ZEBRA.end,
        timezone: 'UTC',
      },
    });
    expect(created.statusCode).toBe(201);
    const createdId = interactionOf(created).id;
    expect(await countedPages()).toEqual(everyPage(4));

    const moved = await testApp.request({
      method: 'PATCH',
      url: `/api/v1/interactions/${createdId}`,
      headers: auth,
      payload: {
        title: 'Plain review',
        type: 'Meeting',
        lead: 'Jane Doe',
        start_datetime: '2024-06-10T10:00:00Z',
        end_datetime: '2024-06-10T11:00:00Z',
      },
    });
    expect(moved.statusCode).toBe(200);
    expect(await countedPages()).toEqual(everyPage(3));

    const [marked] = await testApp.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM interactions WHERE site_id = $1 AND type = 'Call' ORDER BY id LIMIT 1`,
      [site.id],
    );
    const deleted = await testApp.request({
      method: 'DELETE',
      url: `/api/v1/interactions/${marked.id}`,
      headers: auth,
    });
    expect(deleted.statusCode).toBe(200);
    expect(await countedPages()).toEqual(everyPage(2));

    // Another instance, or an operator in psql: the same writes, not through this instance.
    await testApp.dataSource.query(
      `UPDATE interactions SET title = $2, type = $3, lead = $4, start_datetime = $5, end_datetime = $6 WHERE id = $1`,
      [createdId, ZEBRA.title, ZEBRA.type, ZEBRA.lead, ZEBRA.start, ZEBRA.end],
    );
    expect(await countedPages()).toEqual(everyPage(3));
    await testApp.dataSource.query(`DELETE FROM interactions WHERE id = $1`, [createdId]);
    expect(await countedPages()).toEqual(everyPage(2));
    await makeZebra(site);
    expect(await countedPages()).toEqual(everyPage(3));
  });

  it('keeps each site its own total', async () => {
    const before = await countedPages();
    const inOtherSite = await sessionIn(testApp, user, otherSite);
    expect(await countedPages(inOtherSite)).toEqual(everyPage(1));
    // The first session now reads the other site: the same requests, another site's totals.
    const switched = await testApp.request({
      method: 'POST',
      url: '/api/v1/auth/site',
      headers: auth,
      payload: { site_id: otherSite.id },
    });
    expect(switched.statusCode).toBe(200);
    expect(await countedPages()).toEqual(everyPage(1));
    await testApp.request({
      method: 'POST',
      url: '/api/v1/auth/site',
      headers: auth,
      payload: { site_id: site.id },
    });
    expect(await countedPages()).toEqual(before);
  });
});
