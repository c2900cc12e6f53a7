/**
 * The SQL of the trash (DESIGN.md §10): deleted interactions wait in `interactions_trash` (same
 * columns, plus who deleted them and when) until they are restored or purged. A row is in one of
 * the two tables, never both, so nothing that reads `interactions` can see a trashed one.
 */

import type { Statement } from '../../database/statement';
import { COLUMN_PROPERTIES, SELECT_COLUMNS, type InteractionRow } from '../read/interaction-row';

/** A trashed interaction as the trash's reads return it. */
export type TrashedRow = InteractionRow & { deletedAt: string; deletedBy: number };

const COLUMNS = COLUMN_PROPERTIES.map(([column]) => `"${column}"`).join(', ');

// The alias SELECT_COLUMNS expects; both tables are read through it.
const TRASHED_COLUMNS = `${SELECT_COLUMNS}, "i"."deleted_at" AS "deletedAt", "i"."deleted_by" AS "deletedBy"`;

/** Moves an interaction of the site to the trash, as `deletedBy` deleted it now. */
export function moveToTrashStatement(siteId: number, id: string, deletedBy: number): Statement {
  return {
    name: 'interaction_trash',
    text:
      `WITH "gone" AS (DELETE FROM "interactions" WHERE "id" = $1 AND "site_id" = $2 RETURNING ${COLUMNS}) ` +
      `INSERT INTO "interactions_trash" (${COLUMNS}, "deleted_by") SELECT ${COLUMNS}, $3 FROM "gone"`,
    values: [id, siteId, deletedBy],
  };
}

/** A trashed interaction of the site, locked until the transaction ends. */
export function trashedForUpdateStatement(siteId: number, id: number): Statement {
  return {
    name: 'interaction_trashed_for_update',
    text: `SELECT ${TRASHED_COLUMNS} FROM "interactions_trash" "i" WHERE "i"."id" = $1 AND "i"."site_id" = $2 FOR UPDATE`,
    values: [String(id), siteId],
  };
}

/**
 * Puts a trashed interaction back, under its id, as a new version (so a copy read before the
 * deletion no longer matches its ETag), and returns it in the reads' shape.
 */
export function restoreStatement(id: string): Statement {
  const restored = COLUMN_PROPERTIES.map(([column]) =>
    column === 'version' ? `"version" + 1` : column === 'updated_at' ? 'now()' : `"${column}"`,
  ).join(', ');
  return {
    name: 'interaction_restore',
    text:
      `WITH "back" AS (DELETE FROM "interactions_trash" WHERE "id" = $1 RETURNING ${COLUMNS}) ` +
      `INSERT INTO "interactions" AS "i" (${COLUMNS}) OVERRIDING SYSTEM VALUE ` +
      `SELECT ${restored} FROM "back" RETURNING ${SELECT_COLUMNS}`,
    values: [id],
  };
}

/** Who may see which trashed rows: a manager the site's, a member those they created. */
export interface TrashScope {
  siteId: number;
  createdBy: number | null;
}

/**
 * One page of the trash, most recently deleted first, with the number of rows in it (up to
 * `countLimit`, one more to tell "more"). `after` is the last row's (deleted_at, id).
 */
export function trashPageStatement(
  scope: TrashScope,
  page: { limit: number; offset: number; after?: unknown[]; countLimit: number },
): Statement {
  const values: unknown[] = [scope.siteId, scope.createdBy];
  const where = `"i"."site_id" = $1 AND ($2::int IS NULL OR "i"."created_by" = $2)`;
  const after = page.after
    ? ` AND ("i"."deleted_at", "i"."id") < ($3::timestamptz, $4::bigint)`
    : '';
  if (page.after) {
    values.push(...page.after);
  }
  values.push(page.limit, page.offset);
  const limit = `LIMIT $${values.length - 1} OFFSET $${values.length}`;
  if (!Number.isSafeInteger(page.countLimit) || page.countLimit < 1) {
    throw new Error(`Unsafe count limit ${page.countLimit}`);
  }
  return {
    text:
      `SELECT (SELECT count(*) FROM (SELECT 1 FROM "interactions_trash" "i" WHERE ${where} LIMIT ${page.countLimit + 1}) AS "m") AS "total", "page".* ` +
      `FROM (SELECT 1) AS "one" LEFT JOIN (SELECT ${TRASHED_COLUMNS} FROM "interactions_trash" "i" ` +
      `WHERE ${where}${after} ORDER BY "i"."deleted_at" DESC, "i"."id" DESC ${limit}) AS "page" ON true ` +
      `ORDER BY "page"."deletedAt" DESC, "page"."id" DESC`,
    values,
  };
}

/**
 * Deletes up to `batch` rows trashed before `cutoff` for good, returning what their events need.
 * SKIP LOCKED: a row being restored meanwhile is left for the next run.
 */
export function purgeStatement(retentionMs: number, batch: number): Statement {
  return {
    name: 'interactions_trash_purge',
    // A SELECT around the DELETE: TypeORM returns a DELETE's rows with its row count, as a pair.
    text:
      `WITH "gone" AS (DELETE FROM "interactions_trash" WHERE "id" IN (SELECT "id" FROM "interactions_trash" ` +
      `WHERE "deleted_at" < now() - make_interval(secs => $1::double precision / 1000) ` +
      `ORDER BY "deleted_at" LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING "id", "site_id", "version") ` +
      `SELECT "id", "site_id" AS "siteId", "version" FROM "gone" ORDER BY "id"`,
    values: [retentionMs, batch],
  };
}
