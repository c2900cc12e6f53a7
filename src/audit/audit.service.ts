import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/access/principal';
import { DEFAULT_PAGE_SIZE } from '../common/pagination/page-query.dto';
import { runStatement } from '../database/statement';
import { invalidCursor, PageCursors } from '../interactions/read/page-cursor';
import { auditPageStatement, type AuditFilters } from './audit-sql';
import {
  toAuditEventDto,
  type AuditEventRow,
  type AuditListResponseDto,
  type AuditQueryDto,
} from './dto/audit-event.dto';

/** `GET /audit`: the current site's trail for its managers, newest first, by cursor. */
@Injectable()
export class AuditService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cursors: PageCursors,
  ) {}

  async list(principal: Principal, query: AuditQueryDto): Promise<AuditListResponseDto> {
    const siteId = principal.currentSiteId as number;
    const pageSize = query.page_size ?? DEFAULT_PAGE_SIZE;
    const filters: AuditFilters = {
      action: query.action,
      actorId: query.actor_id,
      targetType: query.target_type,
      targetId: query.target_id,
      from: query.from,
      to: query.to,
    };
    const scope = { endpoint: 'GET /audit', filters };
    const cursor =
      query.cursor === undefined ? undefined : this.cursors.decode(query.cursor, scope);
    if (cursor !== undefined && cursor.siteId !== siteId) {
      throw invalidCursor('belongs to another site');
    }
    const rows = await runStatement<AuditEventRow[]>(
      this.dataSource,
      auditPageStatement(siteId, filters, pageSize + 1, cursor?.after[0] as string | undefined),
    );
    const events = rows.slice(0, pageSize);
    const next_cursor =
      rows.length > pageSize
        ? this.cursors.encode(scope, { siteId, after: [events[events.length - 1].id] })
        : null;
    return { events: events.map(toAuditEventDto), page_size: pageSize, next_cursor };
  }
}
