/**
 * Pages and windows of interactions as single statements: the page with its total, the LIMIT and
 * OFFSET clause, and the rows back. The statements of each read are in interaction-sql.ts.
 */

import type { Statement } from '../../database/statement';
import { ROW_ALIAS, SELECT_COLUMNS, type InteractionRow, type OrderKey } from './interaction-row';
import { DEFAULT_TOTAL_LIMIT } from '../../config/app-config';

/** Which rows of a read a page holds: `limit` from `offset`, or from after the row `after`. */
export interface PagePosition {
  limit: number;
  offset: number;
  /** The order keys of the last row read (a cursor page); `offset` is then 0. */
  after?: unknown[];
}

export interface PageSpec {
  /** Conditions over `"i"`, with `$1…$n` taken from `values`. */
  where: string;
  values: unknown[];
  orderBy: OrderKey[];
  limit: number;
  offset: number;
  /** A scalar query (same parameters) giving the exact number of matches (the site's counter). */
  total?: string;
  /**
   * Without `total`: a query (same parameters) with one row per match, counted up to
   * `countLimit`; default: the rows of the table that meet `where`.
   */
  matches?: string;
  /** Matches counted at most (TOTAL_LIMIT); one more is looked for, to tell "more". */
  countLimit?: number;
  /** See Statement.name: only for a page whose plan does not depend on the values. */
  name?: string;
  /**
   * A cursor page (keyset read): the values of `orderBy` of the last row already read; the page
   * starts after that row, and `offset` is 0. The total still counts every match.
   */
  after?: unknown[];
  /**
   * Where the page's ids are picked from, as `(…) AS "i"` with at least the id and the order's
   * columns; `where` applies to it. Default: the table.
   */
  source?: string;
  /**
   * Count only if the site changed since a total was counted (PageTotals): the statement also
   * returns the site's `last_change` (as `site_last_change`), and its total is null when that
   * equals `lastChange`. Only for a count over the site's interactions and fixed values (no
   * `now()`, no other table), read outside any transaction that writes. Absent: always counted.
   */
  reuse?: TotalReuse;
}

/** The site of a page (as in its conditions) and its `last_change` when its total was counted. */
export interface TotalReuse {
  siteId: number;
  lastChange: string | null;
}

/**
 * The scalar query that counts a page's matches: the exact `total` if the spec has one, else the
 * matches up to one past `countLimit` (a literal: a setting, never a request's value), so that a
 * common term on a large site stops counting at the limit instead of visiting every match.
 */
export function countQuery(spec: PageSpec): string {
  if (spec.total !== undefined) {
    return spec.total;
  }
  const limit = spec.countLimit ?? DEFAULT_TOTAL_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new Error(`Unsafe count limit ${limit}`);
  }
  const matches = spec.matches ?? `SELECT 1 FROM "interactions" "${ROW_ALIAS}" WHERE ${spec.where}`;
  return `SELECT count(*) FROM (${matches} LIMIT ${limit + 1}) AS "matches"`;
}

/** A counted total as the response gives it: at most the limit, and whether it is exact. */
export function boundedTotal(
  spec: Pick<PageSpec, 'total' | 'countLimit'>,
  counted: number,
): { total: number; totalExact: boolean } {
  const limit = spec.countLimit ?? DEFAULT_TOTAL_LIMIT;
  return spec.total !== undefined || counted <= limit
    ? { total: counted, totalExact: true }
    : { total: limit, totalExact: false };
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
  const { reuse, after } = spec;
  const next = spec.values.length + 1;
  // Reusing, the count is an InitPlan that PostgreSQL runs only when the CASE asks for its value.
  const selected = reuse
    ? `CASE WHEN "site"."last_change" = $${next + 1} THEN NULL ELSE (${countQuery(spec)}) END AS "total", ` +
      `"site"."last_change" AS "site_last_change"`
    : `(${countQuery(spec)}) AS "total"`;
  const siteRow = reuse
    ? ` LEFT JOIN "site_interaction_counts" "site" ON "site"."site_id" = $${next}`
    : '';
  const counted = reuse ? [...spec.values, reuse.siteId, reuse.lastChange] : spec.values;
  const where = after
    ? `${spec.where} AND ${keysetCondition(spec.orderBy, counted.length + 1)}`
    : spec.where;
  // PostgreSQL keeps 63 bytes of a statement's name; SiteReads adds "_session_checked".
  const suffix = `${reuse ? '_reuse' : ''}${after ? '_after' : ''}`;
  const bounds = boundsOf({
    ...spec,
    name: spec.name === undefined ? undefined : `${spec.name}${suffix}`,
    values: after ? [...counted, ...after] : counted,
  });
  const innerOrder = spec.orderBy
    .map((key) => `"${ROW_ALIAS}"."${key.column}" ${key.direction}`)
    .join(', ');
  const outerOrder = spec.orderBy
    .map((key) => `"page"."${key.property}" ${key.direction}`)
    .join(', ');
  return {
    name: bounds.name,
    text:
      `SELECT ${selected}, "page".* FROM (SELECT 1) AS "one"${siteRow} LEFT JOIN (` +
      `SELECT ${SELECT_COLUMNS} FROM (` +
      `SELECT "${ROW_ALIAS}"."id" FROM ${spec.source ?? `"interactions" "${ROW_ALIAS}"`} WHERE ${where} ` +
      `ORDER BY ${innerOrder} ${bounds.sql}` +
      `) AS "ids" JOIN "interactions" "${ROW_ALIAS}" ON "${ROW_ALIAS}"."id" = "ids"."id"` +
      `) AS "page" ON true ORDER BY ${outerOrder}`,
    values: bounds.values,
    rowOrder: rowOrderOf(spec.orderBy),
  };
}

/**
 * The rows after `after` in `orderBy` order, as a condition over `"i"` whose values are
 * `$first…` (one per key, in order): a row comparison where all keys run one way, which a b-tree
 * index serves as one range, else the expansion `k1 > v1 OR (k1 = v1 AND k2 > v2) …`.
 */
export function keysetCondition(orderBy: OrderKey[], first: number): string {
  const column = (key: OrderKey) => `"${ROW_ALIAS}"."${key.column}"`;
  const beyond = (key: OrderKey) => (key.direction === 'DESC' ? '<' : '>');
  if (orderBy.every((key) => key.direction === orderBy[0].direction)) {
    const columns = orderBy.map(column).join(', ');
    const values = orderBy.map((_, index) => `$${first + index}`).join(', ');
    return `(${columns}) ${beyond(orderBy[0])} (${values})`;
  }
  const alternatives = orderBy.map((key, index) => {
    const equalBefore = orderBy
      .slice(0, index)
      .map((earlier, position) => `${column(earlier)} = $${first + position}`);
    return [...equalBefore, `${column(key)} ${beyond(key)} $${first + index}`].join(' AND ');
  });
  return `(${alternatives.map((alternative) => `(${alternative})`).join(' OR ')})`;
}

/**
 * Page sizes and window limits a named statement carries as a literal: the defaults and more,
 * each also plus one (a page reads one row more, to tell whether another page follows).
 */
const LITERAL_LIMITS = new Set([10, 11, 20, 21, 25, 26, 50, 51, 100, 101]);

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

/**
 * A row of a page statement: an interaction (all null past the last page) and the total (null
 * when a reusable one was not counted again), with the site's `last_change` if `reuse` was given.
 */
export type PageRow = InteractionRow & {
  total: string | number | null;
  site_last_change?: string | null;
};

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
