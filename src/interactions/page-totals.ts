import { Injectable } from '@nestjs/common';
import { SiteReads } from '../auth/site-reads';
import type { Principal } from '../common/auth/principal';
import type { InstantsAsText } from '../common/http/iso-time';
import { fromPageRows, pageStatement, type PageRow, type PageSpec } from './page-sql';

/** Totals this instance keeps; the least recently counted go first beyond this. */
const TOTALS_KEPT = 1_000;

/** A total as counted, with the site's change count that the same statement saw. */
interface CountedTotal {
  changes: string;
  total: number;
}

/**
 * Pages whose total is counted (a search, a filter, a date range), with that total reused while
 * the site is unchanged. An exact total has to visit every match: for a common term at 1M rows,
 * thousands of rows rechecked in the table, 20–60 ms of PostgreSQL, where the page itself costs
 * 1–3 ms. Paging through a search, or repeating one, counted it again every time (issue 8).
 *
 * The statement that counts also reads the site's change count (migration site-change-counts),
 * in the same snapshot. Any later statement that sees the same change count sees the same rows of
 * the site, so the total is still exact: the statement then skips the count (a CASE around it)
 * and returns null for it. Every instance checks against the database, so a write through another
 * instance, or straight in SQL, is seen at once. Only the totals are kept here, never rows.
 */
@Injectable()
export class PageTotals {
  private readonly counted = new Map<string, CountedTotal>();

  constructor(private readonly siteReads: SiteReads) {}

  /** The page `pageOf` describes for the principal's site, and its total. */
  async read(
    principal: Principal,
    pageOf: (siteId: number) => PageSpec,
  ): Promise<{ rows: Array<InstantsAsText<PageRow>>; total: number }> {
    let asked: { key: string; known: CountedTotal | undefined } | undefined;
    const rows = await this.siteReads.rows<PageRow>(principal, (siteId) => {
      const spec = pageOf(siteId);
      const key = keyOf(siteId, spec);
      const known = this.counted.get(key);
      // SiteReads may build the read twice (for a session that moved to another site): the
      // second one, whose rows come back, is the one to remember.
      asked = { key, known };
      return pageStatement({ ...spec, reuse: { siteId, changes: known?.changes ?? null } });
    });
    const page = fromPageRows(rows);
    const first = rows[0];
    if (asked === undefined || first === undefined) {
      throw new Error('A page statement returned no row');
    }
    if (first.total === null) {
      if (asked.known === undefined) {
        throw new Error('A page statement skipped a total nobody had counted');
      }
      return { rows: page.rows, total: asked.known.total };
    }
    if (first.site_changes !== null && first.site_changes !== undefined) {
      this.remember(asked.key, { changes: String(first.site_changes), total: page.total });
    }
    return page;
  }

  private remember(key: string, total: CountedTotal): void {
    this.counted.delete(key);
    if (this.counted.size >= TOTALS_KEPT) {
      this.counted.delete(this.counted.keys().next().value!);
    }
    this.counted.set(key, total);
  }
}

/** What decides a page's matches: the site, the conditions, where they apply and their values. */
function keyOf(siteId: number, spec: PageSpec): string {
  return JSON.stringify([siteId, spec.where, spec.source ?? null, spec.total ?? null, spec.values]);
}
