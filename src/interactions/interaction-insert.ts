/**
 * The SQL of `POST /interactions`, written out as the reads are (read/interaction-sql.ts): one
 * statement that inserts the row, appends its `interaction.created` event with the next place in
 * the site's change feed, and returns the new row in the reads' shape.
 */

import { takeFeedPlaces, type AuditActor, type RequestOrigin } from '../audit/audit-event';
import type { Statement } from '../database/statement';
import type { InteractionFields } from './interaction-fields';
import {
  COLUMN_PROPERTIES,
  ROW_ALIAS,
  SELECT_COLUMNS,
  type InteractionRow,
} from './read/interaction-row';

/** What a new row is given; the other columns have defaults. */
type NewInteractionRow = InteractionFields & Pick<InteractionRow, 'siteId' | 'createdBy'>;

const INSERTED: Array<keyof NewInteractionRow> = [
  'siteId',
  'createdBy',
  'title',
  'type',
  'lead',
  'startDatetime',
  'endDatetime',
  'timezone',
  'location',
  'description',
  'notes',
];

const COLUMN_OF = new Map(COLUMN_PROPERTIES.map(([column, property]) => [property, column]));

const EVENT_VALUES = INSERTED.length + 1;

// The row's `version` is 1 and its site is $1.
const INSERT_TEXT =
  `WITH "created" AS (INSERT INTO "interactions" AS "${ROW_ALIAS}" ` +
  `(${INSERTED.map((property) => `"${COLUMN_OF.get(property)}"`).join(', ')}) ` +
  `VALUES (${INSERTED.map((_, index) => `$${index + 1}`).join(', ')}) RETURNING ${SELECT_COLUMNS}), ` +
  `"seq" AS (${takeFeedPlaces('$1', '1')}), ` +
  `"event" AS (INSERT INTO "audit_events" ("action", "actor_type", "actor_id", "site_id", "target_type", ` +
  `"target_id", "target_version", "request_id", "ip", "feed_seq") ` +
  `SELECT 'interaction.created', $${EVENT_VALUES}, $${EVENT_VALUES + 1}, $1, 'interaction', ` +
  `"created"."id"::text, "created"."version", $${EVENT_VALUES + 2}, $${EVENT_VALUES + 3}, "seq"."feed_seq" ` +
  `FROM "created", "seq") ` +
  `SELECT * FROM "created"`;

/**
 * `POST /interactions`: the new row, as the reads return it, and its event, in one statement:
 * TypeORM's save wrapped it in a transaction and read the row again afterwards, and a transaction
 * for the event would add two round trips more.
 */
export function insertStatement(
  row: NewInteractionRow,
  actor: AuditActor,
  origin: RequestOrigin,
): Statement {
  return {
    name: 'interaction_insert',
    text: INSERT_TEXT,
    values: [
      ...INSERTED.map((property) => row[property]),
      actor.type,
      actor.id,
      origin.requestId,
      origin.ip,
    ],
  };
}
