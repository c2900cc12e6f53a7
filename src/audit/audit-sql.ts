/** The reads of the audit trail: a site's events (GET /audit) and a record's (its history). */

import type { Statement } from '../database/statement';
import type { AuditAction } from './audit-event';

const EVENT_COLUMNS =
  '"e"."id", "e"."occurred_at", "e"."action", "e"."actor_type", "e"."actor_id", "e"."site_id", ' +
  '"e"."target_type", "e"."target_id", "e"."changes", "e"."request_id", "e"."ip"';

export interface AuditFilters {
  action?: AuditAction;
  actorId?: string;
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
      `AND ($4::text IS NULL OR "e"."target_id" = $4) ` +
      `AND ($5::timestamptz IS NULL OR "e"."occurred_at" >= $5) AND ($6::timestamptz IS NULL OR "e"."occurred_at" < $6) ` +
      `AND ($7::bigint IS NULL OR "e"."id" < $7) ORDER BY "e"."id" DESC LIMIT $8`,
    values: [
      siteId,
      filters.action ?? null,
      filters.actorId ?? null,
      filters.targetId ?? null,
      filters.from ?? null,
      filters.to ?? null,
      beforeId ?? null,
      limit,
    ],
  };
}

/**
 * The interaction's events in the site, oldest first, if the caller may read its history: while
 * it is live in the site, or in its trash where the caller may see it (`trashCreatedBy` null:
 * any; else only theirs). One statement: its first row's `visible` says whether the record is
 * readable at all, and a record without events still returns that row (its `id` null).
 */
export function historyStatement(
  siteId: number,
  id: number,
  trashCreatedBy: number | null,
): Statement {
  return {
    name: 'interaction_history',
    text:
      `SELECT "v"."visible", "h".* FROM (SELECT EXISTS (SELECT 1 FROM "interactions" WHERE "id" = $1 AND "site_id" = $2) ` +
      `OR EXISTS (SELECT 1 FROM "interactions_trash" WHERE "id" = $1 AND "site_id" = $2 ` +
      `AND ($3::int IS NULL OR "created_by" = $3)) AS "visible") AS "v" ` +
      `LEFT JOIN (SELECT ${EVENT_COLUMNS} FROM "audit_events" "e" WHERE "e"."target_type" = 'interaction' ` +
      `AND "e"."target_id" = $1::text AND "e"."site_id" = $2) AS "h" ON "v"."visible" ORDER BY "h"."id"`,
    values: [String(id), siteId, trashCreatedBy],
  };
}
