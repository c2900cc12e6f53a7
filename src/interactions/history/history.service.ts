import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { historyStatement } from '../../audit/audit-sql';
import {
  toAuditEventDto,
  type AuditEventDto,
  type AuditEventRow,
} from '../../audit/dto/audit-event.dto';
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

/** No user has this id: a trash scope that matches nobody's records. */
const NOBODY = 0;

/** What happened to the interactions: one record's history, and the site's change feed. */
@Injectable()
export class HistoryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly reads: InteractionReads,
  ) {}

  /**
   * The record's events, oldest first, for whoever may read it: anyone of the site while it is
   * live; in the trash, those who see it there (managers, and the member who created it).
   */
  async history(principal: Principal, id: number): Promise<AuditEventDto[]> {
    const siteId = siteOf(principal);
    const trashCreatedBy =
      principal.role === 'manager' ? null : principal.role === 'member' ? principal.userId : NOBODY;
    const rows = await runStatement<Array<AuditEventRow & { visible: boolean }>>(
      this.dataSource,
      historyStatement(siteId, id, trashCreatedBy),
    );
    if (!rows[0].visible) {
      throw notFound(id);
    }
    return rows.filter((row) => row.id !== null).map(toAuditEventDto);
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
