/** The reads of the audit trail: a site's events (GET /audit) and a record's (its history). */

import type { Statement } from '../database/statement';
import type { AuditAction, AuditTargetType } from './audit-event';

const EVENT_COLUMNS =
  '"e"."id", "e"."occurred_at", "e"."action", "e"."actor_type", "e"."actor_id", "e"."site_id", ' +
  '"e"."target_type", "e"."target_id", "e"."changes", "e"."request_id", "e"."ip"';

export interface AuditFilters {
  action?: AuditAction;
  actorId?: string;
  targetType?: AuditTargetType;
  targetId?: string;
  from?: string;
  to?: string;
}

/**
 * The site's events newest first, `limit` of them, older than the event `beforeId` if given.
 * Each filter is a parameter; an absent one is null and its condition true.
 */
export function auditPageStatement(
  siteId: number,
  filters: AuditFilters,
  limit: number,
  beforeId?: string,
): Statement {
  return {
    text:
      `SELECT ${EVENT_COLUMNS} FROM "audit_events" "e" WHERE "e"."site_id" = $1 ` +
      `AND ($2::text IS NULL OR "e"."action" = $2) AND ($3::text IS NULL OR "e"."actor_id" = $3) ` +
      `AND ($4::text IS NULL OR "e"."target_type" = $4) AND ($5::text IS NULL OR "e"."target_id" = $5) ` +
      `AND ($6::timestamptz IS NULL OR "e"."occurred_at" >= $6) AND ($7::timestamptz IS NULL OR "e"."occurred_at" < $7) ` +
      `AND ($8::bigint IS NULL OR "e"."id" < $8) ORDER BY "e"."id" DESC LIMIT $9`,
    values: [
      siteId,
      filters.action ?? null,
      filters.actorId ?? null,
      filters.targetType ?? null,
      filters.targetId ?? null,
      filters.from ?? null,
      filters.to ?? null,
      beforeId ?? null,
      limit,
    ],
  };
}

/** Which trashed records' history a caller may read: none, the site's, or those they created. */
export type TrashAccess =
  { kind: 'none' } | { kind: 'all' } | { kind: 'createdBy'; userId: number };

/**
 * A page of the interaction's events in the site, oldest first, after the event `afterId`, if
 * the caller may read its history: while it is live in the site, or in its trash as `trash`
 * allows. One statement: its first row's `visible` says whether the record is readable at all,
 * and a record without (more) events still returns that row, its `id` null.
 */
export function historyStatement(
  siteId: number,
  id: number,
  trash: TrashAccess,
  page: { limit: number; afterId?: string },
): Statement {
  return {
    name: 'interaction_history',
    text:
      `SELECT "v"."visible", "h".* FROM (SELECT EXISTS (SELECT 1 FROM "interactions" WHERE "id" = $1 AND "site_id" = $2) ` +
      `OR ($3::boolean AND EXISTS (SELECT 1 FROM "interactions_trash" WHERE "id" = $1 AND "site_id" = $2 ` +
      `AND ($4::int IS NULL OR "created_by" = $4))) AS "visible") AS "v" ` +
      `LEFT JOIN (SELECT ${EVENT_COLUMNS} FROM "audit_events" "e" WHERE "e"."site_id" = $2 ` +
      `AND "e"."target_id" = $1::text AND "e"."target_type" = 'interaction' ` +
      `AND ($5::bigint IS NULL OR "e"."id" > $5) ORDER BY "e"."id" LIMIT $6) AS "h" ON "v"."visible" ORDER BY "h"."id"`,
    values: [
      String(id),
      siteId,
      trash.kind !== 'none',
      trash.kind === 'createdBy' ? trash.userId : null,
      page.afterId ?? null,
      page.limit,
    ],
    rowOrder: [{ output: 'id', direction: 'ASC' }],
  };
}
