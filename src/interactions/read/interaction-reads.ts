import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal';
import type { InstantsAsText } from '../../common/http/iso-time';
import type { PageRequest } from '../../common/pagination/page-query.dto';
import type { Statement } from '../../database/statement';
import type { InteractionRow } from './interaction-row';
import { interactionStatement, listStatement } from './interaction-sql';
import { fromPageRows, type PageRow, type PageSpec } from './page-sql';
import { PageTotals } from './page-totals';
import { SiteReads } from './site-reads';

/** A page of interactions and its total, exact unless `totalExact` is false (TOTAL_LIMIT). */
export interface ReadPage {
  rows: Array<InstantsAsText<InteractionRow>>;
  total: number;
  totalExact: boolean;
}

/**
 * The one way into the site-scoped reads of interactions, for InteractionsService and
 * SearchService alike. Everything below it lives in this folder: the row shape
 * (interaction-row.ts), the SQL of each read (interaction-sql.ts, page-sql.ts), the bounded and
 * reused totals (page-totals.ts) and the session-checked execution (site-reads.ts). A read names
 * its statement as a function of the site: the site comes from the session, which the same
 * statement checks.
 */
@Injectable()
export class InteractionReads {
  constructor(
    private readonly siteReads: SiteReads,
    private readonly totals: PageTotals,
  ) {}

  /** One interaction of the principal's site, if it is there. */
  async get(principal: Principal, id: number): Promise<InstantsAsText<InteractionRow> | undefined> {
    const [row] = await this.siteReads.rows<InteractionRow>(principal, (siteId) =>
      interactionStatement(siteId, id),
    );
    return row;
  }

  /** The whole site, newest first; its total is the site's counter, always exact. */
  async list(principal: Principal, page: PageRequest): Promise<ReadPage> {
    const rows = await this.siteReads.rows<PageRow>(principal, (siteId) =>
      listStatement(siteId, { limit: page.pageSize, offset: page.offset }),
    );
    return { ...fromPageRows(rows), totalExact: true };
  }

  /** A page of the matches `pageOf` describes, with their total counted up to TOTAL_LIMIT. */
  page(principal: Principal, pageOf: (siteId: number) => PageSpec): Promise<ReadPage> {
    return this.totals.read(principal, pageOf);
  }

  /** The rows `read` returns (a window without a total: upcoming, recent). */
  window(
    principal: Principal,
    read: (siteId: number) => Statement,
  ): Promise<Array<InstantsAsText<InteractionRow>>> {
    return this.siteReads.rows<InteractionRow>(principal, read);
  }
}
