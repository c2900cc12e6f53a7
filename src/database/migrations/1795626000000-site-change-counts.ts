import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A change count per site beside its interaction count, raised by the same statement-level
 * triggers on every insert, update, delete and truncate of interactions. Whoever counted a site's
 * matches and saw the site's change count in the same statement may reuse that total for as long
 * as the change count stays the same (PageTotals): nothing in the site changed since. The trigger
 * already updated the counter row of every write, so writes take no lock they did not take.
 */
export class SiteChangeCounts1795626000000 implements MigrationInterface {
  name = 'SiteChangeCounts1795626000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "site_interaction_counts" ADD "changes" bigint NOT NULL DEFAULT '0'`,
    );
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION site_interaction_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
          UPDATE site_interaction_counts c SET interactions = c.interactions - gone.n, changes = c.changes + 1
            FROM (SELECT site_id, count(*) AS n FROM old_rows GROUP BY site_id) gone
           WHERE c.site_id = gone.site_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          INSERT INTO site_interaction_counts (site_id, interactions, changes)
          SELECT site_id, count(*), 1 FROM new_rows GROUP BY site_id
          ON CONFLICT (site_id) DO UPDATE SET interactions = site_interaction_counts.interactions + EXCLUDED.interactions,
            changes = site_interaction_counts.changes + 1;
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION site_interaction_counts_reset() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE site_interaction_counts SET interactions = 0, changes = changes + 1;
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
    await queryRunner.query(`ALTER TABLE "site_interaction_counts" DROP COLUMN "changes"`);
  }
}
