/**
 * The SQL the product sends for the benchmark's read scenarios. The statements come from the
 * product's own builders (src/interactions/read/interaction-sql.ts, compiled to dist/ by the benchmark's
 * build), so the baseline cannot drift from them: one statement per read, a page carrying its total.
 * Only the advanced search's conditions are written out here, as FilterCompiler compiles the
 * benchmark's body; when the compiler or a service changes its SQL, change them in the same commit.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const sql = require('../../dist/src/interactions/read/interaction-sql.js');
export const { fromPageRows } = sql;
/** The product's handling of timestamps in reads (SiteReads): text from pg, rearranged. */
export const { INSTANTS_AS_TEXT, toIsoSeconds } = require('../../dist/src/common/http/iso-time.js');

/**
 * A page whose total the product counts, as the product sends it when it has no total to reuse
 * (PageTotals): the baseline keeps none, so it counts every time.
 */
function countedPage(siteId, spec) {
  return sql.pageStatement({ ...spec, reuse: { siteId, lastChange: null } });
}

/** `GET /interactions` (InteractionsService.list). */
export function listInteractions(siteId, { offset, limit, search }) {
  return search === undefined
    ? sql.listStatement(siteId, { offset, limit })
    : countedPage(siteId, sql.textSearchPage(siteId, { offset, limit, search }));
}

/** `GET /interactions/{id}` (InteractionsService.get). */
export function getInteraction(siteId, id) {
  return sql.interactionStatement(siteId, id);
}

/**
 * `POST /search/advanced` for the benchmark's body: `type eq`, `start_datetime gte`, `lead contains`,
 * sorted by start ascending (SearchService.advanced over FilterCompiler's output for that body).
 */
export function advancedSearch(siteId, { type, startFrom, leadContains, offset, limit }) {
  return countedPage(siteId, {
    where: `"i"."site_id" = $1 AND ("i"."type" = $2 AND "i"."start_datetime" >= $3 AND "i"."lead" ILIKE $4)`,
    values: [siteId, type, startFrom, `%${escapeLike(leadContains)}%`],
    orderBy: sql.OLDEST_FIRST,
    limit,
    offset,
  });
}

/** `GET /search/date-range` (SearchService.dateRange): overlapping [from, until). */
export function dateRange(siteId, { from, until, offset, limit }) {
  return countedPage(siteId, sql.dateRangePage(siteId, { from, until, offset, limit }));
}

/** `GET /search/upcoming` (SearchService.upcoming). */
export function upcoming(siteId, limit) {
  return sql.upcomingStatement(siteId, limit);
}

/** @param {string} term */
function escapeLike(term) {
  return term.replace(/[\\%_]/g, (character) => `\\${character}`);
}
