/**
 * The events of the audit trail (DESIGN.md §10) and the SQL that appends them. Free of Nest
 * runtime imports: the CLI, the auth services and the interaction writes all append through here,
 * in the transaction of the change they record.
 */

import type { DataSource } from 'typeorm';
import { runStatement, type Statement } from '../database/statement';

/** Every action the trail records; `GET /audit?action=` accepts exactly these. */
export const AUDIT_ACTIONS = [
  'interaction.created',
  'interaction.updated',
  'interaction.deleted',
  'interaction.restored',
  'interaction.purged',
  'interaction.imported',
  'auth.login_succeeded',
  'auth.login_failed',
  'auth.logout',
  'auth.refresh_token_reused',
  'auth.password_reset_requested',
  'auth.password_reset_completed',
  'auth.site_selected',
  'user.role_granted',
  'user.role_revoked',
  'user.disabled',
  'user.enabled',
  'user.password_set',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Interaction changes that take a place in the site's change feed (a purge is not a change of
 * anything the feed's readers can see: the record left the feed when it was deleted). */
export const FEED_ACTIONS: ReadonlySet<AuditAction> = new Set([
  'interaction.created',
  'interaction.updated',
  'interaction.deleted',
  'interaction.restored',
  'interaction.imported',
]);

export type ActorType = 'user' | 'api_key' | 'system';

export const AUDIT_TARGET_TYPES = ['interaction', 'user', 'session', 'site'] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

export interface AuditActor {
  type: ActorType;
  /** Null for the system, and for a failed login (whoever tried is unknown; the account is the target). */
  id: string | null;
}

/** The request an event came from; both null for the CLI and the system's jobs. */
export interface RequestOrigin {
  requestId: string | null;
  ip: string | null;
}

export const NO_REQUEST: RequestOrigin = { requestId: null, ip: null };
export const SYSTEM: AuditActor = { type: 'system', id: null };

export function userActor(userId: number): AuditActor {
  return { type: 'user', id: String(userId) };
}

/** An update's changed fields, by their API name: `{title: ["before", "after"]}`. */
export type FieldChanges = Record<string, [unknown, unknown]>;

export interface AuditEvent {
  action: AuditAction;
  actor: AuditActor;
  origin: RequestOrigin;
  siteId: number | null;
  target: { type: AuditTargetType; id: string } | null;
  /** The interaction's version this change produced (or, deleted, the version it had). */
  version?: number;
  changes?: FieldChanges | null;
}

/** The columns an event is written into, and the array type each travels as. */
const COLUMNS: Array<[string, string, (event: AuditEvent) => unknown]> = [
  ['action', 'text', (event) => event.action],
  ['actor_type', 'text', (event) => event.actor.type],
  ['actor_id', 'text', (event) => event.actor.id],
  ['site_id', 'int4', (event) => event.siteId],
  ['target_type', 'text', (event) => event.target?.type ?? null],
  ['target_id', 'text', (event) => event.target?.id ?? null],
  ['target_version', 'int4', (event) => event.version ?? null],
  ['changes', 'jsonb', (event) => (event.changes ? JSON.stringify(event.changes) : null)],
  ['request_id', 'text', (event) => event.origin.requestId],
  ['ip', 'text', (event) => event.origin.ip],
];

const COLUMN_LIST = COLUMNS.map(([column]) => `"${column}"`).join(', ');
const UNNESTED = COLUMNS.map(([, type], index) => `$${index + 1}::${type}[]`).join(', ');
const COLUMN_ALIASES = COLUMNS.map(([column]) => `"${column}"`).join(', ');
const SELECTED = COLUMNS.map(([column]) => `"e"."${column}"`).join(', ');

function columnValues(events: AuditEvent[]): unknown[] {
  return COLUMNS.map(([, , valueOf]) => events.map(valueOf));
}

/** Appends `events` outside the change feed (security events, purges), one statement. */
export function auditStatement(events: AuditEvent[]): Statement {
  return {
    name: 'audit_append',
    text:
      `INSERT INTO "audit_events" (${COLUMN_LIST}) ` +
      `SELECT * FROM unnest(${UNNESTED}) AS "e"(${COLUMN_ALIASES})`,
    values: columnValues(events),
  };
}

/**
 * Runs `change` (a data-modifying statement with RETURNING, its parameters numbered from $1) and
 * appends `events` in the same statement, only when the change returned a row: the change and its
 * record commit together without the two extra round trips of a transaction (logout, site
 * selection).
 */
export function auditedChangeStatement(change: Statement, events: AuditEvent[]): Statement {
  const offset = change.values.length;
  const unnested = COLUMNS.map(([, type], index) => `$${offset + index + 1}::${type}[]`).join(', ');
  return {
    text:
      `WITH "change" AS (${change.text}) ` +
      `INSERT INTO "audit_events" (${COLUMN_LIST}) ` +
      `SELECT ${SELECTED} FROM unnest(${unnested}) AS "e"(${COLUMN_ALIASES}) ` +
      `WHERE EXISTS (SELECT 1 FROM "change")`,
    values: [...change.values, ...columnValues(events)],
  };
}

/**
 * Appends the changes of one site's interactions, in order, each with the next place in the
 * site's change feed. The feed's counter is `site_interaction_counts.feed_seq`; the statement
 * takes the row's lock (or creates the row), which the change's own trigger takes too, so it is
 * held until the transaction ends and the places are handed out in commit order. Run it in the
 * transaction of the change, after or before the change's own statement.
 */
export function feedEventsStatement(siteId: number, events: AuditEvent[]): Statement {
  const next = COLUMNS.length + 1;
  return {
    name: 'audit_append_feed',
    text:
      `WITH "seq" AS (${takeFeedPlaces(`$${next}`, `$${next + 1}`)}) ` +
      `INSERT INTO "audit_events" (${COLUMN_LIST}, "feed_seq") ` +
      `SELECT ${SELECTED}, "seq"."feed_seq" - $${next + 1} + "e"."ord" FROM "seq", ` +
      `unnest(${UNNESTED}) WITH ORDINALITY AS "e"(${COLUMN_ALIASES}, "ord")`,
    values: [...columnValues(events), siteId, events.length],
  };
}

/**
 * The statement that takes `count` places in the change feed of `site` (SQL expressions, e.g.
 * parameters) and returns the last one as `feed_seq`: an upsert of the site's counter row, whose
 * lock the change's own trigger takes too and which is held until the transaction ends.
 */
export function takeFeedPlaces(site: string, count: string): string {
  return (
    `INSERT INTO "site_interaction_counts" ("site_id", "interactions", "last_change", "feed_seq") ` +
    `VALUES (${site}, 0, pg_current_xact_id()::text::bigint, ${count}) ` +
    `ON CONFLICT ("site_id") DO UPDATE SET "feed_seq" = "site_interaction_counts"."feed_seq" + EXCLUDED."feed_seq" ` +
    `RETURNING "feed_seq"`
  );
}

/** What runs SQL: the DataSource (a statement on its own) or a transaction's manager. */
type Database = DataSource | { query<T>(query: string, parameters?: unknown[]): Promise<T> };

/** Appends events; interaction changes of a site (FEED_ACTIONS) also take their feed places. */
export async function appendAuditEvents(database: Database, events: AuditEvent[]): Promise<void> {
  const feed = events.filter((event) => FEED_ACTIONS.has(event.action));
  const other = events.filter((event) => !FEED_ACTIONS.has(event.action));
  const sites = new Set(feed.map((event) => event.siteId));
  for (const siteId of sites) {
    if (siteId === null) {
      throw new Error('An interaction change without a site');
    }
    await runStatement(
      database,
      feedEventsStatement(
        siteId,
        feed.filter((event) => event.siteId === siteId),
      ),
    );
  }
  if (other.length > 0) {
    await runStatement(database, auditStatement(other));
  }
}
