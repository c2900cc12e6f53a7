import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The writing transaction's id: 64 bits with the epoch, never handed out twice by a cluster. */
const CURRENT_TRANSACTION = `pg_current_xact_id()::text::bigint`;

/**
 * Beside each site's interaction count, the id of the last transaction that changed the site's
 * interactions (`last_change`), set by the same statement-level triggers on every insert, update,
 * delete and truncate. Whoever counted a site's matches and read `last_change` in the same
 * statement may reuse that total for as long as `last_change` is the same (PageTotals): no write
 * to the site committed since. A transaction id, not a counter, so that no value comes back after
 * the counts are rebuilt or this migration is undone and run again. The trigger already updated
 * the counter row on every write, so writes take no lock they did not take.
 */
export class SiteLastChange1795626000000 implements MigrationInterface {
  name = 'SiteLastChange1795626000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "site_interaction_counts" ADD "last_change" bigint`);
    await queryRunner.query(
      `UPDATE "site_interaction_counts" SET "last_change" = ${CURRENT_TRANSACTION}`,
    );
    await queryRunner.query(
      `ALTER TABLE "site_interaction_counts" ALTER COLUMN "last_change" SET NOT NULL`,
    );
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION site_interaction_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
          UPDATE site_interaction_counts c SET interactions = c.interactions - gone.n, last_change = ${CURRENT_TRANSACTION}
            FROM (SELECT site_id, count(*) AS n FROM old_rows GROUP BY site_id) gone
           WHERE c.site_id = gone.site_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          INSERT INTO site_interaction_counts (site_id, interactions, last_change)
          SELECT site_id, count(*), ${CURRENT_TRANSACTION} FROM new_rows GROUP BY site_id
          ON CONFLICT (site_id) DO UPDATE SET interactions = site_interaction_counts.interactions + EXCLUDED.interactions,
            last_change = EXCLUDED.last_change;
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION site_interaction_counts_reset() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE site_interaction_counts SET interactions = 0, last_change = ${CURRENT_TRANSACTION};
        RETURN NULL;
      END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION site_interaction_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
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
      CREATE OR REPLACE FUNCTION site_interaction_counts_reset() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE site_interaction_counts SET interactions = 0;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`ALTER TABLE "site_interaction_counts" DROP COLUMN "last_change"`);
  }
}
