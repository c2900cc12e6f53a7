/**
 * The SQL of every interaction read, written out: these are the hottest requests, and TypeORM's
 * query building and entity hydration cost more CPU than the statements themselves. Each read is
 * one statement; a page carries its total in the same statement. Columns are aliased to the
 * entity's property names, so `toInteractionDto` maps a row and an entity alike.
 *
 * bench/baseline/ imports these builders (from dist/), so the bare baseline sends the same SQL.
 * Kept free of Nest and TypeORM runtime imports for that reason.
 */

import type { Statement } from '../database/statement';
import type { Interaction } from './entities/interaction.entity';
import type { InteractionFields } from './interaction-fields';
import { containsPattern, textMatchCondition } from './text-search';

export type { Statement };

/** An interaction as the reads return it: the entity's columns, without its relations. */
export type InteractionRow = InteractionFields &
  Pick<Interaction, 'id' | 'siteId' | 'createdBy' | 'createdAt' | 'updatedAt' | 'version'>;

/** One sort key: the column inside the page, the property (the row's field name) outside it. */
export interface OrderKey {
  column: string;
  property: keyof InteractionRow;
  direction: 'ASC' | 'DESC';
}

const COLUMN_PROPERTIES: Array<[string, keyof InteractionRow]> = [
  ['id', 'id'],
  ['site_id', 'siteId'],
  ['title', 'title'],
  ['type', 'type'],
  ['lead', 'lead'],
  ['start_datetime', 'startDatetime'],
  ['end_datetime', 'endDatetime'],
  ['timezone', 'timezone'],
  ['location', 'location'],
  ['description', 'description'],
  ['notes', 'notes'],
  ['created_by', 'createdBy'],
  ['created_at', 'createdAt'],
  ['updated_at', 'updatedAt'],
  ['version', 'version'],
];

/** The table's alias in every statement here; conditions passed in are written over it. */
export const ROW_ALIAS = 'i';

const SELECT_COLUMNS = COLUMN_PROPERTIES.map(
  ([column, property]) => `"${ROW_ALIAS}"."${column}" AS "${property}"`,
).join(', ');

export const NEWEST_FIRST: OrderKey[] = [
  { column: 'start_datetime', property: 'startDatetime', direction: 'DESC' },
  { column: 'id', property: 'id', direction: 'DESC' },
];

export const OLDEST_FIRST: OrderKey[] = [
  { column: 'start_datetime', property: 'startDatetime', direction: 'ASC' },
  { column: 'id', property: 'id', direction: 'ASC' },
];

/** `GET /interactions/{id}`: the row, if it is in the site. */
export function interactionStatement(siteId: number, id: number | string): Statement {
  return {
    name: 'interaction_in_site',
    text: `SELECT ${SELECT_COLUMNS} FROM "interactions" "${ROW_ALIAS}" WHERE "${ROW_ALIAS}"."id" = $1 AND "${ROW_ALIAS}"."site_id" = $2`,
    values: [String(id), siteId],
  };
}

/** What a new row is given; the other columns have defaults. */
type NewInteractionRow = InteractionFields & Pick<InteractionRow, 'siteId' | 'createdBy'>;

const INSERTED: Array<keyof NewInteractionRow> = [
  'siteId',
  'createdBy',
  'title',
  'type',
  'lead',
  'startDatetime',
  'endDatetime',
  'timezone',
  'location',
  'description',
  'notes',
];

const COLUMN_OF = new Map(COLUMN_PROPERTIES.map(([column, property]) => [property, column]));

const INSERT_TEXT =
  `INSERT INTO "interactions" AS "${ROW_ALIAS}" ` +
  `(${INSERTED.map((property) => `"${COLUMN_OF.get(property)}"`).join(', ')}) ` +
  `VALUES (${INSERTED.map((_, index) => `$${index + 1}`).join(', ')}) RETURNING ${SELECT_COLUMNS}`;

/**
 * `POST /interactions`: the new row, as the reads return it, in one statement. TypeORM's save
 * wrapped it in a transaction and read the row again afterwards: four round trips for one.
 */
export function insertStatement(row: NewInteractionRow): Statement {
  return {
    name: 'interaction_insert',
    text: INSERT_TEXT,
    values: INSERTED.map((property) => row[property]),
  };
}

/** The whole site's count, from the trigger-maintained counter rather than count(*). */
export const SITE_TOTAL = `SELECT "interactions" FROM "site_interaction_counts" WHERE "site_id" = $1`;

export interface PageSpec {
  /** Conditions over `"i"`, with `$1…$n` taken from `values`. */
  where: string;
  values: unknown[];
  orderBy: OrderKey[];
  limit: number;
  offset: number;
  /** A scalar query (same parameters) for the number of matches; default: count(*) of `where`. */
  total?: string;
  /** See Statement.name: only for a page whose plan does not depend on the values. */
  name?: string;
  /**
   * Where the page's ids are picked from, as `(…) AS "i"` with at least the id and the order's
   * columns; `where` applies to it. Default: the table.
   */
  source?: string;
}

/**
 * One page and the number of all matches, in one statement and one round trip. The page is a
 * subquery left-joined to a single row, so a page past the end still returns its total (in a row
 * whose columns are null); the outer ORDER BY restates the page's order over the joined rows.
 *
 * The page is a deferred join: the ids are picked (sorted, offset) from an index alone where one
 * covers the filter and the order, and only the page's rows are then read from the table. Page
 * 500 of a 50,000-row site read 10,000 rows to skip 9,980 of them (112 ms); now it reads 10,000
 * index entries and 20 rows (6 ms).
 */
export function pageStatement(spec: PageSpec): Statement {
  const bounds = boundsOf(spec);
  const total =
    spec.total ?? `SELECT count(*) FROM "interactions" "${ROW_ALIAS}" WHERE ${spec.where}`;
  const innerOrder = spec.orderBy
    .map((key) => `"${ROW_ALIAS}"."${key.column}" ${key.direction}`)
    .join(', ');
  const outerOrder = spec.orderBy
    .map((key) => `"page"."${key.property}" ${key.direction}`)
    .join(', ');
  return {
    name: bounds.name,
    text:
      `SELECT (${total}) AS "total", "page".* FROM (SELECT 1) AS "one" LEFT JOIN (` +
      `SELECT ${SELECT_COLUMNS} FROM (` +
      `SELECT "${ROW_ALIAS}"."id" FROM ${spec.source ?? `"interactions" "${ROW_ALIAS}"`} WHERE ${spec.where} ` +
      `ORDER BY ${innerOrder} ${bounds.sql}` +
      `) AS "ids" JOIN "interactions" "${ROW_ALIAS}" ON "${ROW_ALIAS}"."id" = "ids"."id"` +
      `) AS "page" ON true ORDER BY ${outerOrder}`,
    values: bounds.values,
    rowOrder: rowOrderOf(spec.orderBy),
  };
}

/** Page sizes and window limits a named statement carries as a literal (the defaults and more). */
const LITERAL_LIMITS = new Set([10, 20, 25, 50, 100]);

/**
 * The LIMIT and OFFSET clause of a statement and its values after `spec.values`. PostgreSQL costs
 * a generic plan as if an unknown LIMIT or OFFSET wanted 10 % of the rows, so it never prefers one
 * for a statement with them as parameters and plans it again at every execution: 0.17 ms of
 * planning against 0.08 ms of execution for a first page. A named statement (one whose plan does
 * not depend on its values) therefore takes a common limit (LITERAL_LIMITS) as a literal and in
 * its name, and so its offset when it is 0, so that its plan is made once per connection. Other
 * limits stay parameters (one statement more per connection, re-planned), so that a client
 * cycling through page sizes cannot make each connection prepare a hundred statements. Deeper
 * pages keep the offset a parameter (and a custom plan, cheap beside the walk).
 */
function boundsOf(spec: { name?: string; values: unknown[]; limit: number; offset?: number }): {
  sql: string;
  values: unknown[];
  name?: string;
} {
  const next = spec.values.length + 1;
  const withOffset = spec.offset !== undefined && spec.offset !== 0;
  if (spec.name === undefined || !LITERAL_LIMITS.has(spec.limit)) {
    return {
      sql: `LIMIT $${next}${spec.offset === undefined ? '' : ` OFFSET $${next + 1}`}`,
      values: [...spec.values, spec.limit, ...(spec.offset === undefined ? [] : [spec.offset])],
      name: spec.name === undefined ? undefined : `${spec.name}_any_limit`,
    };
  }
  if (!withOffset) {
    return { sql: `LIMIT ${spec.limit}`, values: spec.values, name: `${spec.name}_${spec.limit}` };
  }
  return {
    sql: `LIMIT ${spec.limit} OFFSET $${next}`,
    values: [...spec.values, spec.offset],
    name: `${spec.name}_${spec.limit}_offset`,
  };
}

function rowOrderOf(orderBy: OrderKey[]): Statement['rowOrder'] {
  return orderBy.map((key) => ({ output: key.property, direction: key.direction }));
}

/** A row of a page statement: an interaction (all null past the last page) and the total. */
export type PageRow = InteractionRow & { total: string | number | null };

/** A page statement's rows: the interactions, and the total every row carries. */
export function fromPageRows<Row extends { id: unknown; total: string | number | null }>(
  rows: Row[],
): { rows: Row[]; total: number } {
  const total = Number(rows[0]?.total ?? 0);
  if (rows.length === 0 || rows[0].id === null) {
    return { rows: [], total };
  }
  return { rows, total };
}

/** The first `limit` rows matching `where` in `orderBy` order, without a total. */
export function windowStatement(spec: Omit<PageSpec, 'offset' | 'total'>): Statement {
  const order = spec.orderBy
    .map((key) => `"${ROW_ALIAS}"."${key.column}" ${key.direction}`)
    .join(', ');
  const bounds = boundsOf(spec);
  return {
    name: bounds.name,
    text: `SELECT ${SELECT_COLUMNS} FROM "interactions" "${ROW_ALIAS}" WHERE ${spec.where} ORDER BY ${order} ${bounds.sql}`,
    values: bounds.values,
    rowOrder: rowOrderOf(spec.orderBy),
  };
}

const IN_SITE = `"${ROW_ALIAS}"."site_id" = $1`;

/** `GET /interactions`: newest first; with `search`, only rows containing the term. */
export function listStatement(
  siteId: number,
  page: { limit: number; offset: number; search?: string },
): Statement {
  const { limit, offset, search } = page;
  return search === undefined
    ? pageStatement({
        where: IN_SITE,
        values: [siteId],
        orderBy: NEWEST_FIRST,
        limit,
        offset,
        total: SITE_TOTAL,
        name: 'interactions_page',
      })
    : pageStatement({
        where: `${IN_SITE} AND ${textMatchCondition(ROW_ALIAS, '$2')}`,
        values: [siteId, containsPattern(search)],
        orderBy: NEWEST_FIRST,
        limit,
        offset,
      });
}

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
export function dateRangeStatement(
  siteId: number,
  range: { from: Date | string; until: Date | string; limit: number; offset: number },
): Statement {
  const startingInside =
    `SELECT "${ROW_ALIAS}"."id", "${ROW_ALIAS}"."start_datetime" FROM "interactions" "${ROW_ALIAS}" ` +
    `WHERE ${IN_SITE} AND "${ROW_ALIAS}"."start_datetime" >= $2 AND "${ROW_ALIAS}"."start_datetime" < $3`;
  const runningAtStart =
    `SELECT "${ROW_ALIAS}"."id", "${ROW_ALIAS}"."start_datetime" FROM "interactions" "${ROW_ALIAS}" ` +
    `WHERE ${IN_SITE} AND tstzrange("${ROW_ALIAS}"."start_datetime", "${ROW_ALIAS}"."end_datetime", '[]') @> $2::timestamptz ` +
    `AND "${ROW_ALIAS}"."start_datetime" < $2 AND "${ROW_ALIAS}"."end_datetime" > $2 AND $2::timestamptz < $3::timestamptz`;
  // The page needs no more of the rows starting inside than its offset and limit: PostgreSQL does
  // not merge the two parts in order by itself, it sorted all of them.
  const pageCandidates =
    `((${startingInside} ORDER BY "${ROW_ALIAS}"."start_datetime" ASC, "${ROW_ALIAS}"."id" ASC LIMIT $4) ` +
    `UNION ALL (${runningAtStart})) AS "${ROW_ALIAS}"`;
  // Named: both parts have one good plan whatever the range (an index range scan, a point probe).
  return pageStatement({
    name: 'interactions_date_range',
    source: pageCandidates,
    where: 'true',
    total: `SELECT count(*) FROM (${startingInside} UNION ALL ${runningAtStart}) AS "matches"`,
    values: [siteId, range.from, range.until, range.offset + range.limit],
    orderBy: OLDEST_FIRST,
    limit: range.limit,
    offset: range.offset,
  });
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
export function pageInSiteStatement(
  siteId: number,
  spec: Omit<PageSpec, 'total' | 'values' | 'where' | 'name'> & {
    where?: string;
    values?: unknown[];
  },
): Statement {
  return pageStatement({
    ...spec,
    where: spec.where ? `${IN_SITE} AND ${spec.where}` : IN_SITE,
    values: [siteId, ...(spec.values ?? [])],
  });
}
