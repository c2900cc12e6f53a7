import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/entities/user.entity';
import type { Interaction } from '../../src/interactions/entities/interaction.entity';
import type { Site } from '../../src/sites/entities/site.entity';
import { expectError } from '../support/auth-helpers';
import { makeInteraction, makeSite, makeUser } from '../support/factories';
import { sessionIn } from '../support/interaction-helpers';
import { createTestApp, type TestApp } from '../support/test-app';

interface Paged {
  interactions?: Array<{ id: number }>;
  results?: Array<{ id: number }>;
  page: number | null;
  next_cursor: string | null;
  total: number;
}

const idsOf = (page: Paged) => (page.interactions ?? page.results ?? []).map((row) => row.id);

/** Seven "heron" rows, one a day in March 2025 (the first one running into the range start). */
const HERON_DAYS = [1, 2, 3, 4, 5, 6, 7];

/** Every paged endpoint, as a request for the heron rows, with a page size and a cursor or page. */
const ENDPOINTS: Record<string, (position: string) => InjectOptions> = {
  'GET /interactions': (position) => ({
    method: 'GET',
    url: `/api/v1/interactions?page_size=2${position}`,
  }),
  'GET /interactions?search=': (position) => ({
    method: 'GET',
    url: `/api/v1/interactions?search=heron&page_size=2${position}`,
  }),
  'GET /search/interactions': (position) => ({
    method: 'GET',
    url: `/api/v1/search/interactions?query=heron&page_size=2${position}`,
  }),
  'GET /search/date-range': (position) => ({
    method: 'GET',
    url: `/api/v1/search/date-range?start_date=2025-03-01T12:00:00Z&end_date=2025-03-31&page_size=2${position}`,
  }),
  'GET /search/type/{type}': (position) => ({
    method: 'GET',
    url: `/api/v1/search/type/Visit?page_size=2${position}`,
  }),
  'GET /search/lead/{lead}': (position) => ({
    method: 'GET',
    url: `/api/v1/search/lead/heron?page_size=2${position}`,
  }),
  'POST /search/advanced': (position) => {
    const [key, value] = position.slice(1).split('=');
    return {
      method: 'POST',
      url: '/api/v1/search/advanced',
      payload: {
        filters: [{ field: 'lead', operator: 'eq', value: 'Heron Lead' }],
        // Mixed directions: the keyset is the OR expansion, not a row comparison.
        sort: [
          { field: 'type', direction: 'asc' },
          { field: 'start_datetime', direction: 'desc' },
        ],
        size: 2,
        ...(key ? { [key]: key === 'page' ? Number(value) : decodeURIComponent(value) } : {}),
      },
    };
  },
};

describe('cursor pages (cursor, next_cursor)', () => {
  let testApp: TestApp;
  let site: Site;
  let user: User;
  let auth: Record<string, string>;

  const read = async (request: InjectOptions, headers = auth): Promise<Paged> => {
    const response = await testApp.request({ ...request, headers });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<Paged>();
  };

  /** Every page of `endpoint`, following next_cursor from page 1. */
  const walk = async (endpoint: string): Promise<Paged[]> => {
    const pages = [await read(ENDPOINTS[endpoint](''))];
    while (pages[pages.length - 1].next_cursor !== null && pages.length < 20) {
      const cursor = encodeURIComponent(pages[pages.length - 1].next_cursor!);
      pages.push(await read(ENDPOINTS[endpoint](`&cursor=${cursor}`)));
    }
    return pages;
  };

  const heron = (day: number, overrides: Record<string, unknown> = {}) =>
    makeInteraction(
      testApp.dataSource,
      { site, user },
      {
        title: `Heron count ${day}`,
        type: day % 2 === 0 ? 'Visit' : 'Call',
        lead: 'Heron Lead',
        startDatetime: new Date(Date.UTC(2025, 2, day, 10)),
        endDatetime: new Date(Date.UTC(2025, 2, day, day === 1 ? 14 : 11)),
        ...overrides,
      },
    );

  beforeAll(async () => {
    testApp = await createTestApp();
    site = await makeSite(testApp.dataSource);
    user = await makeUser(testApp.dataSource, { sites: [[site, 'manager']] });
    auth = await sessionIn(testApp, user, site);
    for (const day of HERON_DAYS) {
      // Visits only on even days, so that type/{type} has its own set; all visits for the others.
      await heron(day, { type: ['Visit', 'Call'][day % 2] });
    }
  });
  afterAll(async () => {
    await testApp?.close();
  });

  it.each(Object.keys(ENDPOINTS))(
    '%s: following next_cursor reads every row once, in the order of the numbered pages',
    async (endpoint) => {
      const pages = await walk(endpoint);
      expect(pages.length).toBeGreaterThan(1);
      const numbered: number[] = [];
      for (let page = 1; page <= pages.length; page += 1) {
        numbered.push(...idsOf(await read(ENDPOINTS[endpoint](`&page=${page}`))));
      }
      expect(pages.flatMap(idsOf)).toEqual(numbered);
      expect(new Set(numbered).size).toBe(numbered.length);
      expect(numbered.length).toBe(pages[0].total);
      expect(pages.slice(1).map((page) => page.page)).toEqual(pages.slice(1).map(() => null));
      expect(pages[pages.length - 1].next_cursor).toBeNull();
      expect(pages.slice(0, -1).every((page) => idsOf(page).length === 2)).toBe(true);
    },
  );

  it('says next_cursor null on a full last page', async () => {
    const whole = await read({ method: 'GET', url: '/api/v1/interactions?page_size=7' });
    expect(idsOf(whole)).toHaveLength(7);
    expect(whole.next_cursor).toBeNull();
  });

  it('neither repeats a row nor hides an unread one when rows are written between pages', async () => {
    const list = (position: string) => ENDPOINTS['GET /interactions?search='](position);
    const before = idsOf(
      await read({ method: 'GET', url: '/api/v1/interactions?search=heron&page_size=100' }),
    );
    const first = await read(list(''));
    expect(idsOf(first)).toEqual(before.slice(0, 2));
    // A row newer than the cursor, one older than every row, a read row deleted: the pages after
    // the cursor hold the unread rows and the older one, each once.
    await heron(31, { title: 'Heron count newest' });
    const older = await heron(0, { startDatetime: new Date(Date.UTC(2025, 1, 1, 10)) });
    await testApp.dataSource.query('DELETE FROM interactions WHERE id = $1', [before[1]]);
    const rest: number[] = [];
    for (let cursor = first.next_cursor; cursor !== null;) {
      const page = await read(list(`&cursor=${encodeURIComponent(cursor)}`));
      rest.push(...idsOf(page));
      cursor = page.next_cursor;
    }
    expect(rest).toEqual([...before.slice(2), Number(older.id)]);
  });

  it('follows an advanced search sorted by a long text field (a cursor of some 14,000 characters)', async () => {
    const created: Interaction[] = [];
    for (const letter of ['c', 'a', 'b']) {
      created.push(
        await heron(20, {
          title: 'Long heron notes',
          description: letter.repeat(5_000),
          notes: letter.repeat(5_000),
        }),
      );
    }
    const search = (position: Record<string, unknown>) =>
      read({
        method: 'POST',
        url: '/api/v1/search/advanced',
        payload: {
          filters: [{ field: 'title', operator: 'eq', value: 'Long heron notes' }],
          sort: [
            { field: 'description', direction: 'asc' },
            { field: 'notes', direction: 'asc' },
          ],
          size: 1,
          ...position,
        },
      });
    const seen: number[] = [];
    let page = await search({});
    seen.push(...idsOf(page));
    while (page.next_cursor !== null) {
      expect(page.next_cursor.length).toBeGreaterThan(10_000);
      page = await search({ cursor: page.next_cursor });
      seen.push(...idsOf(page));
    }
    expect(seen).toEqual([1, 2, 0].map((index) => Number(created[index].id)));
  });

  describe('refusals', () => {
    let cursor: string;

    beforeAll(async () => {
      cursor = (await read(ENDPOINTS['GET /interactions?search='](''))).next_cursor!;
    });

    const refused = async (url: string) => {
      const error = expectError(
        await testApp.request({ method: 'GET', url, headers: auth }),
        400,
        'BAD_REQUEST',
      );
      expect(Object.keys(error.details ?? {})).toEqual(['cursor']);
    };

    it('answers 400 to an altered cursor', async () => {
      const [body, signature] = cursor.split('.');
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as { k: unknown[] };
      payload.k = ['2099-01-01 00:00:00+00', '1'];
      const forged = `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
      await refused(`/api/v1/interactions?search=heron&cursor=${encodeURIComponent(forged)}`);
      await refused(`/api/v1/interactions?search=heron&cursor=${encodeURIComponent(`${cursor}x`)}`);
      await refused('/api/v1/interactions?search=heron&cursor=not-a-cursor');
    });

    it('answers 400 to a cursor of another endpoint, term or filter', async () => {
      const encoded = encodeURIComponent(cursor);
      await refused(`/api/v1/interactions?search=egret&cursor=${encoded}`);
      await refused(`/api/v1/interactions?cursor=${encoded}`);
      await refused(`/api/v1/search/interactions?query=heron&cursor=${encoded}`);
      await refused(`/api/v1/search/type/Visit?cursor=${encoded}`);
    });

    it('answers 400 to a cursor together with page', async () => {
      await refused(
        `/api/v1/interactions?search=heron&page=2&cursor=${encodeURIComponent(cursor)}`,
      );
    });

    it('answers 400 to a cursor of another site, for the same user and request', async () => {
      const other = await makeSite(testApp.dataSource);
      const both = await makeUser(testApp.dataSource, {
        sites: [
          [site, 'viewer'],
          [other, 'viewer'],
        ],
      });
      const inSite = await sessionIn(testApp, both, site);
      const mine = (await read(ENDPOINTS['GET /interactions?search='](''), inSite)).next_cursor!;
      const inOther = await sessionIn(testApp, both, other);
      const error = expectError(
        await testApp.request({
          method: 'GET',
          url: `/api/v1/interactions?search=heron&page_size=3&cursor=${encodeURIComponent(mine)}`,
          headers: inOther,
        }),
        400,
        'BAD_REQUEST',
      );
      expect(error.details).toEqual({ cursor: 'belongs to another site' });
    });
  });
});
