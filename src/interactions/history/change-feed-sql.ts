/**
 * The change feed's read (DESIGN.md §10): the site's interaction events after a place in its
 * feed, in the order of their places, which is commit order (audit-event.ts, feedEventsStatement),
 * each with the record as it is now (null once it is gone, and for a deletion).
 */

import type { Statement } from '../../database/statement';
import { SELECT_COLUMNS, type InteractionRow } from '../read/interaction-row';

export type ChangeRow = { [K in keyof InteractionRow]: InteractionRow[K] | null } & {
  feedSeq: string;
  action: string;
  targetId: string;
  changeVersion: number;
  occurredAt: Date;
};

export function changeFeedStatement(siteId: number, since: string, limit: number): Statement {
  return {
    name: 'interaction_changes',
    text:
      `SELECT "e"."feed_seq" AS "feedSeq", "e"."action", "e"."target_id" AS "targetId", ` +
      `"e"."target_version" AS "changeVersion", "e"."occurred_at" AS "occurredAt", ${SELECT_COLUMNS} ` +
      `FROM "audit_events" "e" LEFT JOIN "interactions" "i" ON "i"."id" = "e"."target_id"::bigint AND "i"."site_id" = "e"."site_id" ` +
      // A deletion is null even once the record is restored: the restore is a change of its own.
      `AND "e"."action" <> 'interaction.deleted' ` +
      `WHERE "e"."site_id" = $1 AND "e"."feed_seq" > $2 ORDER BY "e"."feed_seq" LIMIT $3`,
    values: [siteId, since, limit],
    rowOrder: [{ output: 'feedSeq', direction: 'ASC' }],
  };
}
