import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'sql-formatter';
import { describe, expect, it } from 'vitest';
import type { Statement } from '../../database/statement';
import { NEWEST_FIRST, type OrderKey } from './interaction-row';
import {
  dateRangePage,
  interactionStatement,
  listStatement,
  pageInSite,
  recentStatement,
  textSearchPage,
  upcomingStatement,
} from './interaction-sql';
import { pageStatement, type PageSpec } from './page-sql';
import { withSessionCheck } from './site-reads';

/**
 * The SQL every read builder produces, committed in `queries/` as formatted files (as immich
 * commits its generated `queries/*.sql`), so that a change of a read's SQL shows in review. This
 * test fails when a builder's output differs from its file; `npm run sql:snapshots` rewrites
 * them.
 */
const QUERIES = join(__dirname, 'queries');
const UPDATE = process.env.UPDATE_SQL_SNAPSHOTS === '1';

const SITE = 3;
const PAGE = { limit: 21, offset: 0 };
const AFTER = { limit: 21, offset: 0, after: ['2024-06-20 14:00:00+00', '61'] };
const REUSE = { siteId: SITE, lastChange: '7421' };
const MIXED_ORDER: OrderKey[] = [
  { column: 'type', property: 'type', direction: 'ASC' },
  { column: 'start_datetime', property: 'startDatetime', direction: 'DESC' },
  { column: 'id', property: 'id', direction: 'ASC' },
];
const PRINCIPAL = {
  userId: 9,
  sessionId: '00000000-0000-4000-8000-000000000000',
  currentSiteId: SITE,
  role: 'viewer' as const,
  sessionConfirmed: false,
};

/** A counted page as PageTotals sends it: the total reusable while the site is unchanged. */
const counted = (spec: PageSpec) => pageStatement({ ...spec, countLimit: 10_000, reuse: REUSE });

const SNAPSHOTS: Record<string, { use: string; statement: Statement }> = {
  'get-by-id': {
    use: 'GET /interactions/{id}',
    statement: interactionStatement(SITE, 61),
  },
  'get-by-id-session-checked': {
    use: 'GET /interactions/{id}, the session checked in the same statement (SiteReads)',
    statement: withSessionCheck(interactionStatement(SITE, 61), PRINCIPAL, SITE),
  },
  list: {
    use: 'GET /interactions, page 1 (the total from the site counter)',
    statement: listStatement(SITE, PAGE),
  },
  'list-page-offset': {
    use: 'GET /interactions?page=3',
    statement: listStatement(SITE, { limit: 21, offset: 40 }),
  },
  'list-cursor': {
    use: 'GET /interactions?cursor=',
    statement: listStatement(SITE, AFTER),
  },
  'text-search': {
    use: 'GET /interactions?search= and GET /search/interactions?query=',
    statement: counted(textSearchPage(SITE, { ...PAGE, search: 'acme' })),
  },
  'text-search-cursor': {
    use: 'the same, after a cursor',
    statement: counted(textSearchPage(SITE, { ...AFTER, search: 'acme' })),
  },
  'date-range': {
    use: 'GET /search/date-range',
    statement: counted(dateRangePage(SITE, { ...PAGE, from: '2024-06-01', until: '2024-07-01' })),
  },
  'date-range-cursor': {
    use: 'GET /search/date-range, after a cursor',
    statement: counted(
      dateRangePage(SITE, {
        ...AFTER,
        after: ['2024-06-20 14:00:00+00', '61'],
        from: '2024-06-01',
        until: '2024-07-01',
      }),
    ),
  },
  type: {
    use: 'GET /search/type/{type}',
    statement: counted(
      pageInSite(SITE, {
        where: '"i"."type" = $2',
        values: ['Meeting'],
        orderBy: NEWEST_FIRST,
        ...PAGE,
      }),
    ),
  },
  lead: {
    use: 'GET /search/lead/{lead}',
    statement: counted(
      pageInSite(SITE, {
        where: '"i"."lead" ILIKE $2',
        values: ['%smith%'],
        orderBy: NEWEST_FIRST,
        ...PAGE,
      }),
    ),
  },
  'advanced-mixed-order-cursor': {
    use: 'POST /search/advanced sorted by type asc, start_datetime desc, after a cursor',
    statement: counted(
      pageInSite(SITE, {
        where: '("i"."start_datetime" >= $2)',
        values: ['2024-01-01T00:00:00.000Z'],
        orderBy: MIXED_ORDER,
        limit: 21,
        offset: 0,
        after: ['Call', '2024-06-20 14:00:00+00', '61'],
      }),
    ),
  },
  upcoming: {
    use: 'GET /search/upcoming',
    statement: upcomingStatement(SITE, 10),
  },
  recent: {
    use: 'GET /search/recent',
    statement: recentStatement(SITE, 10),
  },
};

function render(snapshot: { use: string; statement: Statement }): string {
  const { statement } = snapshot;
  return [
    `-- ${snapshot.use}`,
    `-- prepared as: ${statement.name ?? '(unnamed)'}`,
    `-- values: ${JSON.stringify(statement.values)}`,
    format(statement.text, { language: 'postgresql', keywordCase: 'upper' }),
    '',
  ].join('\n');
}

describe('the SQL of the read builders (queries/*.sql)', () => {
  if (UPDATE) {
    for (const file of readdirSync(QUERIES)) {
      rmSync(join(QUERIES, file));
    }
    for (const [name, snapshot] of Object.entries(SNAPSHOTS)) {
      writeFileSync(join(QUERIES, `${name}.sql`), render(snapshot));
    }
  }

  it('has a file for every snapshot and no other', () => {
    expect(readdirSync(QUERIES).sort()).toEqual(
      Object.keys(SNAPSHOTS)
        .map((name) => `${name}.sql`)
        .sort(),
    );
  });

  it.each(Object.keys(SNAPSHOTS))('queries/%s.sql is what the builder writes', (name) => {
    const committed = readFileSync(join(QUERIES, `${name}.sql`), 'utf8');
    expect(render(SNAPSHOTS[name]), 'run npm run sql:snapshots and review the diff').toBe(
      committed,
    );
  });
});
