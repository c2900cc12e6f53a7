import { Injectable } from '@nestjs/common';
import type { Principal } from '../../auth/access/principal';
import { ApiError } from '../../common/errors/api-error';
import { ErrorCode } from '../../common/errors/error-code';
import type { InstantsAsText } from '../../database/instants-as-text';
import type { PageRequest } from '../../common/pagination/page-query.dto';
import { AppConfig } from '../../config/app-config';
import type { Statement, StatementCancellation } from '../../database/statement';
import { NEWEST_FIRST, type InteractionRow, type OrderKey } from './interaction-row';
import { interactionStatement, listStatement } from './interaction-sql';
import { invalidCursor, PageCursors, type CursorScope } from './page-cursor';
import { fromPageRows, type PagePosition, type PageRow, type PageSpec } from './page-sql';
import { PageTotals } from './page-totals';
import { SiteReads } from './site-reads';

/** A page of interactions, its total (exact unless `totalExact` is false: TOTAL_LIMIT), and the
 * cursor of the page after it (null on the last page). */
export interface ReadPage {
  rows: Array<InstantsAsText<InteractionRow>>;
  total: number;
  totalExact: boolean;
  nextCursor: string | null;
}

/** A page's rows as they come from the statement, with one row more than the page if any follows. */
type CountedRows = Omit<ReadPage, 'nextCursor'>;

/**
 * The one way into the site-scoped reads of interactions, for InteractionsService and
 * SearchService alike. Everything below it lives in this folder: the row shape
 * (interaction-row.ts), the SQL of each read (interaction-sql.ts, page-sql.ts), the bounded and
 * reused totals (page-totals.ts), the cursors (page-cursor.ts) and the session-checked execution
 * (site-reads.ts). A read names its statement as a function of the site: the site comes from the
 * session, which the same statement checks.
 *
 * A page reads one row more than it shows: that row's presence is what makes `next_cursor`
 * non-null, so the last page says it is the last.
 */
@Injectable()
export class InteractionReads {
  private readonly searchTimeoutMs: number;

  constructor(
    private readonly siteReads: SiteReads,
    private readonly totals: PageTotals,
    private readonly cursors: PageCursors,
    config: AppConfig,
  ) {
    this.searchTimeoutMs = config.dbSearchTimeoutMs;
  }

  /**
   * One interaction of the principal's site, if it is there. `clientGone` (as every read's)
   * cancels the statement in PostgreSQL when the client goes away.
   */
  async get(
    principal: Principal,
    id: number,
    clientGone?: StatementCancellation,
  ): Promise<InstantsAsText<InteractionRow> | undefined> {
    const [row] = await this.siteReads.rows<InteractionRow>(
      principal,
      (siteId) => interactionStatement(siteId, id),
      clientGone,
    );
    return row;
  }

  /** The whole site, newest first; its total is the site's counter, always exact. */
  list(
    principal: Principal,
    request: PageRequest,
    scope: CursorScope,
    clientGone?: StatementCancellation,
  ): Promise<ReadPage> {
    return this.paged(request, scope, NEWEST_FIRST, async (pageOf) => {
      const rows = await this.siteReads.rows<PageRow>(
        principal,
        (siteId) => listStatement(siteId, pageOf(siteId)),
        clientGone,
      );
      return { ...fromPageRows(rows), totalExact: true };
    });
  }

  /**
   * A page of the matches `pageOf` describes (a search), with their total counted up to
   * TOTAL_LIMIT. Its statement is cancelled after DB_SEARCH_TIMEOUT (503 with Retry-After).
   */
  page(
    principal: Principal,
    request: PageRequest,
    scope: CursorScope,
    pageOf: (siteId: number, position: PagePosition) => PageSpec,
    clientGone?: StatementCancellation,
  ): Promise<ReadPage> {
    let orderBy: OrderKey[] = [];
    const deadline = new SearchDeadline(Date.now() + this.searchTimeoutMs, clientGone);
    return this.paged(
      request,
      scope,
      () => orderBy,
      (positionIn) =>
        this.totals.read(
          principal,
          (siteId) => {
            const spec = pageOf(siteId, positionIn(siteId));
            orderBy = spec.orderBy;
            return spec;
          },
          deadline,
        ),
    );
  }

  /** The rows `read` returns (a window without a total: upcoming, recent, the change feed). */
  window<Row = InteractionRow>(
    principal: Principal,
    read: (siteId: number) => Statement,
    clientGone?: StatementCancellation,
  ): Promise<Array<InstantsAsText<Row>>> {
    return this.siteReads.rows<Row>(principal, read, clientGone);
  }

  /**
   * Runs `read` for the page `request` asks for (by number, or after its cursor) and cuts the
   * extra row off into `next_cursor`. `positionIn(siteId)` refuses a cursor of another site: the
   * site is known only once the session-checked statement is built.
   */
  private async paged(
    request: PageRequest,
    scope: CursorScope,
    order: OrderKey[] | (() => OrderKey[]),
    read: (positionIn: (siteId: number) => PagePosition) => Promise<CountedRows>,
  ): Promise<ReadPage> {
    const cursor =
      request.cursor === undefined ? undefined : this.cursors.decode(request.cursor, scope);
    let readSiteId: number | undefined;
    const counted = await read((siteId) => {
      if (cursor !== undefined && cursor.siteId !== siteId) {
        throw invalidCursor('belongs to another site');
      }
      readSiteId = siteId;
      return { limit: request.pageSize + 1, offset: request.offset, after: cursor?.after };
    });
    if (counted.rows.length <= request.pageSize || readSiteId === undefined) {
      return { ...counted, nextCursor: null };
    }
    const rows = counted.rows.slice(0, request.pageSize);
    const last = rows[rows.length - 1] as Record<string, unknown>;
    const orderBy = typeof order === 'function' ? order() : order;
    const after = orderBy.map((key) => last[key.property]);
    return {
      ...counted,
      rows,
      nextCursor: this.cursors.encode(scope, { siteId: readSiteId, after }),
    };
  }
}

/** DB_SEARCH_TIMEOUT from the search's start, and whatever else calls it off (its client going). */
class SearchDeadline implements StatementCancellation {
  reason: Error | undefined;

  constructor(
    private readonly expiresAt: number,
    private readonly also: StatementCancellation | undefined,
  ) {}

  watch(cancel: () => void): () => void {
    const timer = setTimeout(
      () => {
        this.reason = searchTimedOut();
        cancel();
      },
      Math.max(0, this.expiresAt - Date.now()),
    );
    const stopAlso = this.also?.watch(() => {
      this.reason = this.also?.reason;
      cancel();
    });
    return () => {
      clearTimeout(timer);
      stopAlso?.();
    };
  }
}

function searchTimedOut(): ApiError {
  return new ApiError(
    ErrorCode.SERVICE_UNAVAILABLE,
    'The search did not finish in time (DB_SEARCH_TIMEOUT); narrow it or retry shortly',
    undefined,
    { 'Retry-After': '5' },
  );
}
