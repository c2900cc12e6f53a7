import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The columns of `interactions`, in the order the trash repeats them. */
const INTERACTION_COLUMNS = `"id" bigint NOT NULL, "site_id" integer NOT NULL, "title" character varying(100) NOT NULL,
  "type" character varying(50) NOT NULL, "lead" character varying(100) NOT NULL,
  "start_datetime" TIMESTAMP WITH TIME ZONE NOT NULL, "end_datetime" TIMESTAMP WITH TIME ZONE NOT NULL,
  "timezone" character varying(64) NOT NULL, "location" character varying(200) NOT NULL,
  "description" character varying(5000) NOT NULL, "notes" character varying(5000) NOT NULL,
  "created_by" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, "version" integer NOT NULL`;

/**
 * History and recovery (DESIGN.md §10).
 *
 * `audit_events` is the append-only trail: a trigger refuses every UPDATE, DELETE and TRUNCATE,
 * so not even a bug in the application can rewrite it. Events of interactions carry `feed_seq`,
 * their place in the site's change feed, taken from `site_interaction_counts.feed_seq` in the
 * transaction of the change: every write to a site's interactions holds that row's lock until it
 * commits, so the numbers are handed out in commit order, and one rolled back is handed out again.
 *
 * `interactions_trash` holds the deleted rows until they are restored or purged. A table of its
 * own rather than a `deleted_at` column: every read, index, counter and total over `interactions`
 * stays as it is and cannot see a trashed row (docs/decisions.md).
 */
export class HistoryAndTrash1795628000000 implements MigrationInterface {
  name = 'HistoryAndTrash1795628000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_events" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
        "action" character varying(64) NOT NULL,
        "actor_type" character varying(16) NOT NULL, "actor_id" character varying(64),
        "site_id" integer, "target_type" character varying(32), "target_id" character varying(64),
        "target_version" integer, "changes" jsonb, "request_id" character varying(128), "ip" character varying(64),
        "feed_seq" bigint,
        CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "audit_events_actor_type_check" CHECK ("actor_type" IN ('user', 'api_key', 'system')))`,
    );
    await queryRunner.query(
      `CREATE INDEX "audit_events_site_idx" ON "audit_events" ("site_id", "id" DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX "audit_events_target_idx" ON "audit_events" ("target_type", "target_id", "id")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "audit_events_feed_idx" ON "audit_events" ("site_id", "feed_seq") WHERE "feed_seq" IS NOT NULL`,
    );
    await queryRunner.query(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP USING ERRCODE = '42501';
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_events
       FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`,
    );
    await queryRunner.query(
      `ALTER TABLE "site_interaction_counts" ADD "feed_seq" bigint NOT NULL DEFAULT 0`,
    );
    await queryRunner.query(
      `CREATE TABLE "interactions_trash" (${INTERACTION_COLUMNS},
        "deleted_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "deleted_by" integer NOT NULL,
        CONSTRAINT "interactions_trash_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "interactions_trash_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE RESTRICT,
        CONSTRAINT "interactions_trash_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE RESTRICT,
        CONSTRAINT "interactions_trash_deleted_by_fkey" FOREIGN KEY ("deleted_by") REFERENCES "users"("id") ON DELETE RESTRICT)`,
    );
    await queryRunner.query(
      `CREATE INDEX "interactions_trash_site_idx" ON "interactions_trash" ("site_id", "deleted_at" DESC, "id" DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX "interactions_trash_deleted_at_idx" ON "interactions_trash" ("deleted_at")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "interactions_trash"`);
    await queryRunner.query(`ALTER TABLE "site_interaction_counts" DROP COLUMN "feed_seq"`);
    await queryRunner.query(`DROP TABLE "audit_events"`);
    await queryRunner.query(`DROP FUNCTION audit_events_append_only()`);
  }
}
