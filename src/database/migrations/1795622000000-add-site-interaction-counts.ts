import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Exact per-site interaction counts maintained by statement-level triggers (one upsert per
 * statement and site, also for bulk inserts). Inserts into one site serialise briefly on its
 * counter row until they commit.
 */
export class AddSiteInteractionCounts1795622000000 implements MigrationInterface {
  name = 'AddSiteInteractionCounts1795622000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "site_interaction_counts" ("site_id" integer NOT NULL, "interactions" bigint NOT NULL DEFAULT '0',
        CONSTRAINT "site_interaction_counts_pkey" PRIMARY KEY ("site_id"),
        CONSTRAINT "site_interaction_counts_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(`
      CREATE FUNCTION site_interaction_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
          UPDATE site_interaction_counts c SET interactions = c.interactions - gone.n
            FROM (SELECT site_id, count(*) AS n FROM old_rows GROUP BY site_id) gone
           WHERE c.site_id = gone.site_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          INSERT INTO site_interaction_counts (site_id, interactions)
          SELECT site_id, count(*) FROM new_rows GROUP BY site_id
          ON CONFLICT (site_id) DO UPDATE SET interactions = site_interaction_counts.interactions + EXCLUDED.interactions;
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION site_interaction_counts_reset() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE site_interaction_counts SET interactions = 0;
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER interactions_count_insert AFTER INSERT ON interactions REFERENCING NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION site_interaction_counts_apply()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER interactions_count_delete AFTER DELETE ON interactions REFERENCING OLD TABLE AS old_rows
       FOR EACH STATEMENT EXECUTE FUNCTION site_interaction_counts_apply()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER interactions_count_update AFTER UPDATE ON interactions
       REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION site_interaction_counts_apply()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER interactions_count_truncate AFTER TRUNCATE ON interactions
       FOR EACH STATEMENT EXECUTE FUNCTION site_interaction_counts_reset()`,
    );
    await queryRunner.query(
      `INSERT INTO site_interaction_counts (site_id, interactions)
       SELECT site_id, count(*) FROM interactions GROUP BY site_id`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "interactions_count_truncate" ON "interactions"`);
    await queryRunner.query(`DROP TRIGGER "interactions_count_update" ON "interactions"`);
    await queryRunner.query(`DROP TRIGGER "interactions_count_delete" ON "interactions"`);
    await queryRunner.query(`DROP TRIGGER "interactions_count_insert" ON "interactions"`);
    await queryRunner.query(`DROP FUNCTION site_interaction_counts_reset()`);
    await queryRunner.query(`DROP FUNCTION site_interaction_counts_apply()`);
    await queryRunner.query(`DROP TABLE "site_interaction_counts"`);
  }
}
