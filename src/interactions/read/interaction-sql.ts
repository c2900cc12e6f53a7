/**
 * The SQL of every interaction read, written out: these are the hottest
 * requests, and TypeORM's query building and entity hydration cost more CPU than the statements
 * themselves. Each read is one statement; a page carries its total in the same statement
 * (page-sql.ts). The rows' columns and orders are in interaction-row.ts.
 *
 * bench/baseline/ imports these builders (from dist/), so the bare baseline sends the same SQL.
 * Kept free of Nest and TypeORM runtime imports for that reason.
 */

import type { Statement } from '../../database/statement';
import { OLDEST_FIRST, NEWEST_FIRST, ROW_ALIAS, SELECT_COLUMNS } from './interaction-row';
import {
  keysetCondition,
  pageStatement,
  windowStatement,
  type PagePosition,
  type PageSpec,
} from './page-sql';
import { containsPattern, textMatchCondition } from './text-search';

export type { Statement };
export {
  NEWEST_FIRST,
  OLDEST_FIRST,
  ROW_ALIAS,
  type InteractionRow,
  type OrderKey,
} from './interaction-row';
export {
  fromPageRows,
  pageStatement,
  type PagePosition,
  type PageRow,
  type PageSpec,
} from './page-sql';

/** `GET /interactions/{id}`: the row, if it is in the site. */
export function interactionStatement(siteId: number, id: number | string): Statement {
  return {
    name: 'interaction_in_site',
    text: `SELECT ${SELECT_COLUMNS} FROM "interactions" "${ROW_ALIAS}" WHERE "${ROW_ALIAS}"."id" = $1 AND "${ROW_ALIAS}"."site_id" = $2`,
    values: [String(id), siteId],
  };
}

/** The whole site's count, from the trigger-maintained counter rather than count(*). */
export const SITE_TOTAL = `SELECT "interactions" FROM "site_interaction_counts" WHERE "site_id" = $1`;

const IN_SITE = `"${ROW_ALIAS}"."site_id" = $1`;

/** `GET /interactions` without `search`: newest first, the total from the site's counter. */
export function listStatement(siteId: number, page: PagePosition): Statement {
  return pageStatement({
    where: IN_SITE,
    values: [siteId],
    orderBy: NEWEST_FIRST,
    limit: page.limit,
    offset: page.offset,
    after: page.after,
    total: SITE_TOTAL,
    name: 'interactions_page',
  });
}

/** `GET /interactions?search=` and `/search/interactions`: the rows containing the term, newest first. */
export function textSearchPage(siteId: number, page: PagePosition & { search: string }): PageSpec {
  return {
    where: `${IN_SITE} AND ${textMatchCondition(ROW_ALIAS, '$2')}`,
    values: [siteId, containsPattern(page.search)],
    orderBy: NEWEST_FIRST,
    limit: page.limit,
    offset: page.offset,
    after: page.after,
  };
}

const STARTING_INSIDE =
  `SELECT "${ROW_ALIAS}"."id", "${ROW_ALIAS}"."start_datetime" FROM "interactions" "${ROW_ALIAS}" ` +
  `WHERE ${IN_SITE} AND "${ROW_ALIAS}"."start_datetime" >= $2 AND "${ROW_ALIAS}"."start_datetime" < $3`;

const RUNNING_AT_START =
  `SELECT "${ROW_ALIAS}"."id", "${ROW_ALIAS}"."start_datetime" FROM "interactions" "${ROW_ALIAS}" ` +
  `WHERE ${IN_SITE} AND tstzrange("${ROW_ALIAS}"."start_datetime", "${ROW_ALIAS}"."end_datetime", '[]') @> $2::timestamptz ` +
  `AND "${ROW_ALIAS}"."start_datetime" < $2 AND "${ROW_ALIAS}"."end_datetime" > $2 AND $2::timestamptz < $3::timestamptz`;

/** A cursor page of a date range starts after the row whose start and id are $5 and $6. */
const AFTER_CURSOR = ` AND ${keysetCondition(OLDEST_FIRST, 5)}`;

// The page needs no more of the rows starting inside than its offset and limit ($4): PostgreSQL
// does not merge the two parts in order by itself, it sorted all of them. A cursor page narrows
// both parts to the rows after its cursor, so that the limit applies beyond it.
function dateRangeCandidates(afterCursor: boolean): string {
  const after = afterCursor ? AFTER_CURSOR : '';
  return (
    `((${STARTING_INSIDE}${after} ORDER BY "${ROW_ALIAS}"."start_datetime" ASC, "${ROW_ALIAS}"."id" ASC LIMIT $4) ` +
    `UNION ALL (${RUNNING_AT_START}${after})) AS "${ROW_ALIAS}"`
  );
}
const DATE_RANGE_PAGE_CANDIDATES = dateRangeCandidates(false);
const DATE_RANGE_CURSOR_CANDIDATES = dateRangeCandidates(true);

const DATE_RANGE_MATCHES = `${STARTING_INSIDE} UNION ALL ${RUNNING_AT_START}`;

/**
 * `GET /search/date-range`: rows overlapping [from, until), oldest first. An interaction's period
 * is closed ([start, end]); one that only touches `from` with its end is left out unless it is an
 * instant at `from`.
 *
 * Those are two disjoint sets, read apart: the rows starting inside the range, a b-tree range
 * scan in the page's order (the page stops after its rows, the total counts index entries), and
 * the few that started before it and are still running at `from`, a point probe of the period
 * index. One overlap test through the period index instead cost 1.2 ms of PostgreSQL per month
 * at 1M rows, twice over (the total, then all matches sorted for the page).
 */
export function dateRangePage(
  siteId: number,
  range: PagePosition & { from: Date | string; until: Date | string },
): PageSpec {
  const values = [siteId, range.from, range.until, range.offset + range.limit];
  // Named: both parts have one good plan whatever the range (an index range scan, a point probe).
  return {
    name: range.after ? 'interactions_date_range_after' : 'interactions_date_range',
    source: range.after ? DATE_RANGE_CURSOR_CANDIDATES : DATE_RANGE_PAGE_CANDIDATES,
    where: 'true',
    matches: DATE_RANGE_MATCHES,
    values: range.after ? [...values, ...range.after] : values,
    orderBy: OLDEST_FIRST,
    limit: range.limit,
    offset: range.offset,
  };
}

/** `GET /search/upcoming`: the next `limit` rows starting after now, soonest first. */
export function upcomingStatement(siteId: number, limit: number): Statement {
  return windowStatement({
    where: `${IN_SITE} AND "${ROW_ALIAS}"."start_datetime" > now()`,
    values: [siteId],
    orderBy: OLDEST_FIRST,
    limit,
    name: 'interactions_upcoming',
  });
}

/** `GET /search/recent`: the last `limit` rows ended by now, latest end first. */
export function recentStatement(siteId: number, limit: number): Statement {
  return windowStatement({
    where: `${IN_SITE} AND "${ROW_ALIAS}"."end_datetime" <= now()`,
    values: [siteId],
    orderBy: [
      { column: 'end_datetime', property: 'endDatetime', direction: 'DESC' },
      { column: 'id', property: 'id', direction: 'DESC' },
    ],
    limit,
    name: 'interactions_recent',
  });
}

/** The site's rows matching more conditions (`$2…` in `values`), one page, in `orderBy` order. */
export function pageInSite(
  siteId: number,
  spec: Omit<PageSpec, 'total' | 'matches' | 'values' | 'where' | 'name'> & {
    where?: string;
    values?: unknown[];
  },
): PageSpec {
  return {
    ...spec,
    where: spec.where ? `${IN_SITE} AND ${spec.where}` : IN_SITE,
    values: [siteId, ...(spec.values ?? [])],
  };
}
