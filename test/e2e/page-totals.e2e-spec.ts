import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/entities/user.entity';
import { pageStatement, textSearchPage } from '../../src/interactions/read/interaction-sql';
import { MetricsService } from '../../src/metrics/metrics.service';
import type { Site } from '../../src/sites/entities/site.entity';
import { makeInteraction, makeSite, makeUser } from '../support/factories';
import { interactionOf, sessionIn } from '../support/interaction-helpers';
import { createTestApp, type TestApp } from '../support/test-app';

/** Interactions that each counted page of their kind finds, and no page of the other kind. */
const KINDS = {
  zebra: {
    word: 'zebra',
    title: 'Zebra crossing review',
    type: 'Call',
    lead: 'Zebra Lead',
    start: '2024-03-10T10:00:00Z',
    end: '2024-03-10T11:00:00Z',
    month: ['2024-03-01', '2024-03-31'],
  },
  yak: {
    word: 'yak',
    title: 'Yak shaving session',
    type: 'Email',
    lead: 'Yak Lead',
    start: '2024-04-10T10:00:00Z',
    end: '2024-04-10T11:00:00Z',
    month: ['2024-04-01', '2024-04-30'],
  },
};
type Kind = (typeof KINDS)[keyof typeof KINDS];

interface CountedPage {
  label: string;
  request: InjectOptions;
  page: number;
  pageSize: number;
}

/** The pages whose total is counted, each asking for the interactions of `kind` only. */
function countedPages(kind: Kind): CountedPage[] {
  const [from, until] = kind.month;
  const pages: Array<[string, InjectOptions, number?]> = [
    ['list search', { method: 'GET', url: `/api/v1/interactions?search=${kind.word}` }],
    [
      'list search, page 2',
      { method: 'GET', url: `/api/v1/interactions?search=${kind.word}&page=2&page_size=2` },
      2,
    ],
    [
      'text search',
      { method: 'GET', url: `/api/v1/search/interactions?query=${kind.word.toUpperCase()}` },
    ],
    [
      'advanced',
      {
        method: 'POST',
        url: '/api/v1/search/advanced',
        payload: { filters: [{ field: 'title', operator: 'starts_with', value: kind.word }] },
      },
    ],
    ['by lead', { method: 'GET', url: `/api/v1/search/lead/${kind.word}` }],
    ['by type', { method: 'GET', url: `/api/v1/search/type/${kind.type}` }],
    [
      'date range',
      { method: 'GET', url: `/api/v1/search/date-range?start_date=${from}&end_date=${until}` },
    ],
    [
      'date range, page 2',
      {
        method: 'GET',
        url: `/api/v1/search/date-range?start_date=${from}&end_date=${until}&page=2&page_size=2`,
      },
      2,
    ],
  ];
  return pages.map(([label, request, page]) => ({
    label: `${kind.word}: ${label}`,
    request,
    page: page ?? 1,
    pageSize: page === undefined ? 20 : 2,
  }));
}

/**
 * Totals of counted pages are reused while the site is unchanged (PageTotals): these tests show
 * that one is reused, only for the same conditions and site, that PostgreSQL then skips the count,
 * and that every kind of write to the site, through the API or straight in SQL as another
 * instance or an operator would, makes the next page count again.
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
      await make(KINDS.zebra, target);
    }
    for (const target of [site, site]) {
      await make(KINDS.yak, target);
    }
    for (const start of ['2024-01-05T09:00:00Z', '2024-05-05T09:00:00Z']) {
      await makeInteraction(testApp.dataSource, { site, user }, { startDatetime: new Date(start) });
    }
    auth = await sessionIn(testApp, user, site);
  });
  afterAll(async () => {
    await testApp.close();
  });

  function make(kind: Kind, target: Site) {
    return makeInteraction(
      testApp.dataSource,
      { site: target, user },
      {
        title: kind.title,
        type: kind.type,
        lead: kind.lead,
        startDatetime: new Date(kind.start),
        endDatetime: new Date(kind.end),
      },
    );
  }

  /** Each counted page of `kind`: its total and number of rows, by label. */
  async function read(
    kind: Kind,
    headers: Record<string, string> = auth,
  ): Promise<Record<string, { total: number; rows: number }>> {
    const pages: Record<string, { total: number; rows: number }> = {};
    for (const { label, request } of countedPages(kind)) {
      const response = await testApp.request({ ...request, headers });
      expect({ label, status: response.statusCode }).toEqual({ label, status: 200 });
      const body = response.json<{ total: number } & Record<string, unknown>>();
      const rows = (body.results ?? body.interactions) as unknown[];
      pages[label] = { total: body.total, rows: rows.length };
    }
    return pages;
  }

  /** What every counted page of `kind` shows for `total`, with `stored` matching rows stored. */
  function expected(
    kind: Kind,
    total: number,
    stored = total,
  ): Record<string, { total: number; rows: number }> {
    return Object.fromEntries(
      countedPages(kind).map(({ label, page, pageSize }) => [
        label,
        { total, rows: Math.max(0, Math.min(pageSize, stored - (page - 1) * pageSize)) },
      ]),
    );
  }

  /** Runs `sql` with the count triggers off, as nothing in the product can. */
  function behindTheTriggers(sql: string, values: unknown[]): Promise<unknown> {
    return testApp.dataSource.transaction(async (manager) => {
      await manager.query('ALTER TABLE interactions DISABLE TRIGGER USER');
      await manager.query(sql, values);
      await manager.query('ALTER TABLE interactions ENABLE TRIGGER USER');
    });
  }

  /** How many totals were counted and reused so far (`page_totals_total`). */
  async function outcomes(): Promise<{ counted: number; reused: number }> {
    const metric = await testApp.app
      .get(MetricsService)
      .registry.getSingleMetric('page_totals_total')!
      .get();
    const of = (outcome: string) =>
      metric.values.find((value) => value.labels.outcome === outcome)?.value ?? 0;
    return { counted: of('counted'), reused: of('reused') };
  }

  /** What `action` adds to the counted and reused totals. */
  async function outcomesOf(
    action: () => Promise<unknown>,
  ): Promise<{ counted: number; reused: number }> {
    const before = await outcomes();
    await action();
    const after = await outcomes();
    return { counted: after.counted - before.counted, reused: after.reused - before.reused };
  }

  it('reuses a total only for the same conditions while the site is unchanged', async () => {
    // Eight pages: the second pages of the list search and of the date range reuse their first
    // pages' totals; "ZEBRA" is another term than "zebra" to the cache, as ILIKE is not its concern.
    expect(
      await outcomesOf(async () =>
        expect(await read(KINDS.zebra)).toEqual(expected(KINDS.zebra, 3)),
      ),
    ).toEqual({ counted: 6, reused: 2 });
    expect(await outcomesOf(() => read(KINDS.zebra))).toEqual({ counted: 0, reused: 8 });
    expect(await read(KINDS.yak)).toEqual(expected(KINDS.yak, 2));
    // A row written behind the triggers' back is on the pages, but their totals, counted before,
    // are reused, so they are one short; the other kind's pages are untouched.
    const zebra = KINDS.zebra;
    await behindTheTriggers(
      `INSERT INTO interactions (site_id, created_by, title, type, lead, start_datetime, end_datetime, timezone)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'UTC')`,
      [site.id, user.id, zebra.title, zebra.type, zebra.lead, zebra.start, zebra.end],
    );
    try {
      expect(await read(KINDS.zebra)).toEqual(expected(KINDS.zebra, 3, 4));
      expect(await read(KINDS.yak)).toEqual(expected(KINDS.yak, 2));
    } finally {
      await behindTheTriggers(
        `DELETE FROM interactions WHERE id = (SELECT max(id) FROM interactions WHERE site_id = $1)`,
        [site.id],
      );
    }
    expect(await read(KINDS.zebra)).toEqual(expected(KINDS.zebra, 3));
  });

  it('has PostgreSQL skip the count while the site is unchanged, and run it after a change', async () => {
    const loopsOfCount = async (lastChange: string): Promise<number> => {
      const statement = pageStatement({
        ...textSearchPage(site.id, { limit: 20, offset: 0, search: 'zebra' }),
        reuse: { siteId: site.id, lastChange },
      });
      const [
        {
          'QUERY PLAN': [plan],
        },
      ] = await testApp.dataSource.query<Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${statement.text}`,
        statement.values,
      );
      const initPlans = nodes(plan.Plan).filter(
        (node) => node['Parent Relationship'] === 'InitPlan',
      );
      expect(initPlans).toHaveLength(1);
      return initPlans[0]['Actual Loops'];
    };
    const [{ last_change: current }] = await testApp.dataSource.query<
      Array<{ last_change: string }>
    >('SELECT last_change FROM site_interaction_counts WHERE site_id = $1', [site.id]);
    expect(await loopsOfCount(current)).toBe(0);
    expect(await loopsOfCount(String(BigInt(current) - 1n))).toBe(1);
  });

  it('counts again after every kind of write to the site, through the API or not', async () => {
    const zebra = KINDS.zebra;
    expect(await read(zebra)).toEqual(expected(zebra, 3));

    const created = await testApp.request({
      method: 'POST',
      url: '/api/v1/interactions',
      headers: auth,
      payload: {
        title: zebra.title,
        type: zebra.type,
        lead: zebra.lead,
        start_datetime: zebra.start,
        end_datetime: zebra.end,
        timezone: 'UTC',
      },
    });
    expect(created.statusCode).toBe(201);
    const createdId = interactionOf(created).id;
    expect(await read(zebra)).toEqual(expected(zebra, 4));

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
    expect(await read(zebra)).toEqual(expected(zebra, 3));

    const [marked] = await testApp.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM interactions WHERE site_id = $1 AND type = $2 ORDER BY id LIMIT 1`,
      [site.id, zebra.type],
    );
    const deleted = await testApp.request({
      method: 'DELETE',
      url: `/api/v1/interactions/${marked.id}`,
      headers: auth,
    });
    expect(deleted.statusCode).toBe(200);
    expect(await read(zebra)).toEqual(expected(zebra, 2));

    // Another instance, or an operator in psql: the same writes, not through this instance.
    await testApp.dataSource.query(
      `UPDATE interactions SET title = $2, type = $3, lead = $4, start_datetime = $5, end_datetime = $6 WHERE id = $1`,
      [createdId, zebra.title, zebra.type, zebra.lead, zebra.start, zebra.end],
    );
    expect(await read(zebra)).toEqual(expected(zebra, 3));
    await testApp.dataSource.query(`DELETE FROM interactions WHERE id = $1`, [createdId]);
    expect(await read(zebra)).toEqual(expected(zebra, 2));
    await make(zebra, site);
    expect(await read(zebra)).toEqual(expected(zebra, 3));
    expect(await read(KINDS.yak)).toEqual(expected(KINDS.yak, 2));
  });

  it('keeps each site its own total', async () => {
    const before = await read(KINDS.zebra);
    const inOtherSite = await sessionIn(testApp, user, otherSite);
    expect(await read(KINDS.zebra, inOtherSite)).toEqual(expected(KINDS.zebra, 1));
    // The first session now reads the other site: the same requests, another site's totals.
    const switched = await testApp.request({
      method: 'POST',
      url: '/api/v1/auth/site',
      headers: auth,
      payload: { site_id: otherSite.id },
    });
    expect(switched.statusCode).toBe(200);
    expect(await read(KINDS.zebra)).toEqual(expected(KINDS.zebra, 1));
    await testApp.request({
      method: 'POST',
      url: '/api/v1/auth/site',
      headers: auth,
      payload: { site_id: site.id },
    });
    expect(await read(KINDS.zebra)).toEqual(before);
  });

  // Last: it empties the table.
  it('counts again after TRUNCATE', async () => {
    expect(await read(KINDS.yak)).toEqual(expected(KINDS.yak, 2));
    await testApp.dataSource.query('TRUNCATE interactions');
    expect(await read(KINDS.yak)).toEqual(expected(KINDS.yak, 0));
  });
});

interface PlanNode {
  'Parent Relationship'?: string;
  'Actual Loops': number;
  Plans?: PlanNode[];
}

function nodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodes)];
}
