import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInteraction, makeSite, makeUser } from '../support/factories';
import { sessionIn } from '../support/interaction-helpers';
import { createTestApp, type TestApp } from '../support/test-app';

/** TOTAL_LIMIT at its floor (DESIGN.md §7), so that a few SQL-inserted rows pass it. */
const LIMIT = 1000;
const WALRUS_ROWS = LIMIT + 5;

interface Paged {
  total: number;
  total_exact: boolean;
  total_pages: number;
  page: number;
  interactions?: unknown[];
  results?: unknown[];
}

/** Every paged endpoint, each asking for the walrus rows. */
const WALRUS_PAGES: Array<[string, InjectOptions]> = [
  ['GET /interactions?search=', { method: 'GET', url: '/api/v1/interactions?search=walrus' }],
  ['GET /search/interactions', { method: 'GET', url: '/api/v1/search/interactions?query=walrus' }],
  [
    'POST /search/advanced',
    {
      method: 'POST',
      url: '/api/v1/search/advanced',
      payload: { filters: [{ field: 'title', operator: 'contains', value: 'walrus' }] },
    },
  ],
  [
    'GET /search/date-range',
    { method: 'GET', url: '/api/v1/search/date-range?start_date=2025-01-01&end_date=2025-12-31' },
  ],
  ['GET /search/type/{type}', { method: 'GET', url: '/api/v1/search/type/Visit' }],
  ['GET /search/lead/{lead}', { method: 'GET', url: '/api/v1/search/lead/walrus' }],
];

describe('bounded totals (TOTAL_LIMIT, total_exact)', () => {
  let testApp: TestApp;
  let auth: Record<string, string>;

  const get = async (request: InjectOptions): Promise<Paged> => {
    const response = await testApp.request({ ...request, headers: auth });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<Paged>();
  };
  const rowsOf = (page: Paged) => (page.interactions ?? page.results ?? []).length;

  beforeAll(async () => {
    testApp = await createTestApp({ TOTAL_LIMIT: String(LIMIT) });
    const site = await makeSite(testApp.dataSource);
    const user = await makeUser(testApp.dataSource, { sites: [[site, 'member']] });
    auth = await sessionIn(testApp, user, site);
    // Walrus visits, one an hour through 2025, all in one statement.
    await testApp.dataSource.query(
      `INSERT INTO interactions (site_id, created_by, title, type, lead, start_datetime, end_datetime, timezone)
       SELECT $1, $2, 'Walrus count ' || n, 'Visit', 'Walrus Lead',
              timestamptz '2025-01-01T00:00:00Z' + n * interval '1 hour',
              timestamptz '2025-01-01T00:30:00Z' + n * interval '1 hour', 'UTC'
         FROM generate_series(1, $3::int) AS n`,
      [site.id, user.id, WALRUS_ROWS],
    );
    for (const title of ['Otter review one', 'Otter review two', 'Otter review three']) {
      await makeInteraction(testApp.dataSource, { site, user }, { title });
    }
  });
  afterAll(async () => {
    await testApp?.close();
  });

  it.each(WALRUS_PAGES)(
    '%s counts up to TOTAL_LIMIT and then says total_exact false',
    async (_label, request) => {
      const page = await get(request);
      expect(page).toMatchObject({ total: LIMIT, total_exact: false, total_pages: LIMIT / 20 });
      expect(rowsOf(page)).toBe(20);
    },
  );

  it('serves the pages past total_pages while total_exact is false', async () => {
    const past = await get({ method: 'GET', url: '/api/v1/interactions?search=walrus&page=51' });
    expect(past).toMatchObject({ page: 51, total: LIMIT, total_exact: false, total_pages: 50 });
    expect(rowsOf(past)).toBe(WALRUS_ROWS - 50 * 20);
  });

  it('keeps a total reused from an earlier count bounded the same way', async () => {
    const request: InjectOptions = { method: 'GET', url: '/api/v1/search/interactions?query=walr' };
    const first = await get(request);
    const again = await get({ ...request, url: `${request.url as string}&page=2` });
    expect([first.total, first.total_exact]).toEqual([LIMIT, false]);
    expect([again.total, again.total_exact]).toEqual([LIMIT, false]);
  });

  it('is exact under the limit', async () => {
    const otters = await get({ method: 'GET', url: '/api/v1/interactions?search=otter' });
    expect(otters).toMatchObject({ total: 3, total_exact: true, total_pages: 1 });
  });

  it('keeps the unfiltered list exact past the limit (the site counter costs nothing)', async () => {
    const all = await get({ method: 'GET', url: '/api/v1/interactions' });
    expect(all).toMatchObject({ total: WALRUS_ROWS + 3, total_exact: true });
  });
});
