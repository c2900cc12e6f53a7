import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { appendAuditEvents, type RequestOrigin } from '../../audit/audit-event';
import type { Principal } from '../../auth/access/principal';
import { assertIfMatch, etagOf } from '../../common/http/etag';
import { pageInfo, toPageRequest, type PageQueryDto } from '../../common/pagination/page-query.dto';
import { AppConfig } from '../../config/app-config';
import { INSTANTS_AS_TEXT, type InstantsAsText } from '../../database/instants-as-text';
import { runStatement } from '../../database/statement';
import {
  assertCanModify,
  interactionEvent,
  notFound,
  siteOf,
  versioned,
  type VersionedInteraction,
} from '../interaction-access';
import type { InteractionRow } from '../read/interaction-row';
import { PageCursors } from '../read/page-cursor';
import { toTrashedInteractionDto, type TrashListResponseDto } from './dto/trash.dto';
import {
  restoreStatement,
  trashedForUpdateStatement,
  trashPageStatement,
  type TrashedRow,
  type TrashScope,
} from './trash-sql';

/** The trash (DESIGN.md §10): what managers and members may see of it, and restoring from it. */
@Injectable()
export class TrashService {
  private readonly countLimit: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly cursors: PageCursors,
    config: AppConfig,
  ) {
    this.countLimit = config.totalLimit;
  }

  /** Managers see the site's trash; members what they created. Newest deletion first. */
  async list(principal: Principal, query: PageQueryDto): Promise<TrashListResponseDto> {
    const request = toPageRequest(query);
    const scope: TrashScope = {
      siteId: siteOf(principal),
      createdBy: principal.role === 'manager' ? null : principal.userId,
    };
    const cursorScope = {
      endpoint: 'GET /interactions/trash',
      filters: { created_by: scope.createdBy },
    };
    const after = this.cursors.afterIn(request.cursor, cursorScope, scope.siteId);
    const rows = await runStatement<Array<InstantsAsText<TrashedRow> & { total: string }>>(
      this.dataSource,
      trashPageStatement(scope, {
        limit: request.pageSize + 1,
        offset: request.offset,
        after,
        countLimit: this.countLimit,
      }),
      { types: INSTANTS_AS_TEXT },
    );
    const counted = Number(rows[0]?.total ?? 0);
    const found = rows[0]?.id === null ? [] : rows;
    const page = found.slice(0, request.pageSize);
    const last = page[page.length - 1];
    const nextCursor =
      found.length > request.pageSize
        ? this.cursors.encode(cursorScope, {
            siteId: scope.siteId,
            after: [last.deletedAt, last.id],
          })
        : null;
    const total = Math.min(counted, this.countLimit);
    return {
      interactions: page.map(toTrashedInteractionDto),
      ...pageInfo(request, { total, totalExact: counted <= this.countLimit, nextCursor }),
    };
  }

  /**
   * Puts a trashed interaction back: who may delete it may restore it, If-Match against the ETag
   * it had when deleted; it comes back as a new version with a new ETag.
   */
  async restore(
    principal: Principal,
    id: number,
    origin: RequestOrigin,
    ifMatch?: string,
  ): Promise<VersionedInteraction> {
    return this.dataSource.transaction(async (manager) => {
      const [trashed] = await runStatement<TrashedRow[]>(
        manager,
        trashedForUpdateStatement(siteOf(principal), id),
      );
      if (!trashed) {
        throw notFound(id);
      }
      assertCanModify(principal, trashed);
      assertIfMatch(ifMatch, etagOf(trashed.id, trashed.version));
      const [restored] = await runStatement<InteractionRow[]>(
        manager,
        restoreStatement(String(trashed.id)),
      );
      await appendAuditEvents(manager, [
        interactionEvent('interaction.restored', principal, origin, restored),
      ]);
      return versioned(restored);
    });
  }
}
