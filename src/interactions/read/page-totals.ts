import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../../auth/access/principal';
import { AppConfig } from '../../config/app-config';
import type { StatementCancellation } from '../../database/statement';
import { MetricsService } from '../../metrics/metrics.service';
import type { ReadPage } from './interaction-reads';
import {
  boundedTotal,
  countQuery,
  fromPageRows,
  pageStatement,
  type PageRow,
  type PageSpec,
} from './page-sql';
import { SiteReads } from './site-reads';

/** Totals this instance keeps; the least recently counted go first beyond this. */
const TOTALS_KEPT = 1_000;

/** A total as counted, with the site's `last_change` that the same statement read. */
interface CountedTotal {
  lastChange: string;
  total: number;
}

/**
 * Pages whose total is counted (a search, a filter, a date range), with that total reused while
 * the site is unchanged. An exact total has to visit every match: for a common term at 1M rows,
 * thousands of rows rechecked in the table, 20–60 ms of PostgreSQL, where the page itself costs
 * 1–3 ms. Paging through a search, or repeating one, counted it again every time (issue 8).
 *
 * The statement that counts also reads the site's `last_change`, the id of the last transaction
 * that changed the site's interactions (migration site-last-change), in the same snapshot. A
 * later statement that reads the same id sees the same rows of the site, as no write to it
 * committed in between, so the total is still exact: the statement then skips the count and
 * returns null for it. Every instance checks against the database, so a write through another
 * instance, or straight in SQL, is seen at once.
 *
 * Transaction ids are not handed out twice, but a database restored to an earlier point in time
 * (or a failover to a replica that lagged) hands out again those of the transactions it lost:
 * restart the instances after one (docs/deployment.md).
 */
@Injectable()
export class PageTotals {
  private readonly counted = new Map<string, CountedTotal>();

  private readonly countLimit: number;

  constructor(
    private readonly siteReads: SiteReads,
    private readonly metrics: MetricsService,
    config: AppConfig,
  ) {
    this.countLimit = config.totalLimit;
  }

  /** The page `pageOf` describes for the principal's site, and its total up to TOTAL_LIMIT. */
  async read(
    principal: Principal,
    pageOf: (siteId: number) => PageSpec,
    cancellation?: StatementCancellation,
  ): Promise<Omit<ReadPage, 'nextCursor'>> {
    let asked: { spec: PageSpec; key: string; known: CountedTotal | undefined } | undefined;
    const rows = await this.siteReads.rows<PageRow>(
      principal,
      (siteId) => {
        const spec = { ...pageOf(siteId), countLimit: this.countLimit };
        const key = keyOf(siteId, spec);
        const known = this.counted.get(key);
        // SiteReads may build the read twice (for a session that moved to another site): the
        // second one, whose rows come back, is the one to remember.
        asked = { spec, key, known };
        return pageStatement({ ...spec, reuse: { siteId, lastChange: known?.lastChange ?? null } });
      },
      cancellation,
    );
    const page = fromPageRows(rows);
    const first = rows[0];
    if (asked === undefined || first === undefined) {
      throw new Error('A page statement returned no row');
    }
    if (first.total === null) {
      if (asked.known === undefined) {
        throw new Error('A page statement skipped a total nobody had counted');
      }
      this.metrics.recordPageTotal('reused');
      return { rows: page.rows, ...boundedTotal(asked.spec, asked.known.total) };
    }
    this.metrics.recordPageTotal('counted');
    if (first.site_last_change !== null && first.site_last_change !== undefined) {
      this.remember(asked.key, { lastChange: String(first.site_last_change), total: page.total });
    }
    return { rows: page.rows, ...boundedTotal(asked.spec, page.total) };
  }

  private remember(key: string, counted: CountedTotal): void {
    this.counted.delete(key);
    if (this.counted.size >= TOTALS_KEPT) {
      this.counted.delete(this.counted.keys().next().value!);
    }
    this.counted.set(key, counted);
  }
}

/**
 * What decides a page's total: the site, the count's SQL and the values it refers to (a page's
 * other values, such as date-range's offset, do not change it). Hashed, so that an advanced
 * search of 100 KiB costs 32 bytes here.
 */
function keyOf(siteId: number, spec: PageSpec): string {
  const count = countQuery(spec);
  const used = [...new Set([...count.matchAll(/\$(\d+)/g)].map((match) => Number(match[1])))];
  const values = used
    .sort((a, b) => a - b)
    .map((position) => [position, spec.values[position - 1]]);
  return createHash('sha256')
    .update(JSON.stringify([siteId, count, values]))
    .digest('base64');
}
