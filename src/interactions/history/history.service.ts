import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { historyStatement, type TrashAccess } from '../../audit/audit-sql';
import {
  toAuditEventDto,
  type AuditEventRow,
  type AuditListResponseDto,
} from '../../audit/dto/audit-event.dto';
import { DEFAULT_PAGE_SIZE, type CursorPageQueryDto } from '../../common/pagination/page-query.dto';
import { PageCursors } from '../read/page-cursor';
import type { Principal } from '../../auth/access/principal';
import { toIsoSeconds } from '../../common/http/iso-time';
import type { InstantsAsText } from '../../database/instants-as-text';
import { runStatement, type StatementCancellation } from '../../database/statement';
import { toInteractionDto } from '../dto/interaction.dto';
import { notFound, siteOf } from '../interaction-access';
import { InteractionReads } from '../read/interaction-reads';
import type { InteractionRow } from '../read/interaction-row';
import { changeFeedStatement, type ChangeRow } from './change-feed-sql';
import {
  DEFAULT_CHANGES,
  type ChangeAction,
  type ChangeFeedQueryDto,
  type ChangeFeedResponseDto,
} from './dto/change-feed.dto';

/** What happened to the interactions: one record's history, and the site's change feed. */
@Injectable()
export class HistoryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly reads: InteractionReads,
    private readonly cursors: PageCursors,
  ) {}

  /**
   * A page of the record's events, oldest first, for whoever may read it: anyone of the site
   * while it is live; in the trash, those who see it there (managers, and the member who created
   * it). Who made a change is for all of them; from which address and request, for managers only
   * (as in `GET /audit`): a viewer has no business collecting colleagues' IP addresses.
   */
  async history(
    principal: Principal,
    id: number,
    query: CursorPageQueryDto,
  ): Promise<AuditListResponseDto> {
    const siteId = siteOf(principal);
    const pageSize = query.page_size ?? DEFAULT_PAGE_SIZE;
    const scope = { endpoint: 'GET /interactions/{id}/history', filters: { id } };
    const after = this.cursors.afterIn(query.cursor, scope, siteId);
    const rows = await runStatement<Array<AuditEventRow & { visible: boolean }>>(
      this.dataSource,
      historyStatement(siteId, id, trashAccessOf(principal), {
        limit: pageSize + 1,
        afterId: after?.[0] as string | undefined,
      }),
    );
    if (!rows[0].visible) {
      throw notFound(id);
    }
    const events = rows.filter((row) => row.id !== null).slice(0, pageSize);
    const manager = principal.role === 'manager';
    return {
      events: events.map((row) => {
        const event = toAuditEventDto(row);
        return manager ? event : { ...event, ip: null, request_id: null };
      }),
      page_size: pageSize,
      next_cursor:
        rows.length > pageSize && rows[pageSize].id !== null
          ? this.cursors.encode(scope, { siteId, after: [events[events.length - 1].id] })
          : null,
    };
  }

  /** The site's changes after `since`, in commit order. */
  async changes(
    principal: Principal,
    query: ChangeFeedQueryDto,
    clientGone?: StatementCancellation,
  ): Promise<ChangeFeedResponseDto> {
    const since = query.since ?? '0';
    const rows = await this.reads.window<ChangeRow>(
      principal,
      (siteId) => changeFeedStatement(siteId, since, query.limit ?? DEFAULT_CHANGES),
      clientGone,
    );
    return {
      changes: rows.map((row) => ({
        id: Number(row.targetId),
        action: row.action.replace(/^interaction\./, '') as ChangeAction,
        version: row.changeVersion,
        occurred_at: toIsoSeconds(row.occurredAt),
        interaction:
          row.id === null ? null : toInteractionDto(row as InstantsAsText<InteractionRow>),
      })),
      next: rows.length === 0 ? since : rows[rows.length - 1].feedSeq,
    };
  }
}

/** Managers see the site's trash; members what they created; viewers none of it. */
function trashAccessOf(principal: Principal): TrashAccess {
  if (principal.role === 'manager') {
    return { kind: 'all' };
  }
  return principal.role === 'member'
    ? { kind: 'createdBy', userId: principal.userId }
    : { kind: 'none' };
}
