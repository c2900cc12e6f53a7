import type { MigrationInterface, QueryRunner } from 'typeorm';

const TEXT_COLUMNS = ['title', 'type', 'lead', 'location', 'description', 'notes'];

/**
 * Indexes for the search access paths (DESIGN.md §7): trigram GIN indexes make case-insensitive
 * substring search (ILIKE '%term%') indexable per column; a GiST index on the period serves
 * date-range overlap; two b-trees serve "recent" and "by type" in their sort order.
 */
export class AddSearchIndexes1795621000000 implements MigrationInterface {
  name = 'AddSearchIndexes1795621000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const column of TEXT_COLUMNS) {
      await queryRunner.query(
        `CREATE INDEX "interactions_${column}_trgm_idx" ON "interactions" USING gin ("${column}" gin_trgm_ops)`,
      );
    }
    // Date-range overlap: a GiST index over (site, period) bounds the scan from both ends.
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);
    await queryRunner.query(
      `CREATE INDEX "interactions_site_period_idx" ON "interactions" USING gist ("site_id", tstzrange("start_datetime", "end_datetime", '[]'))`,
    );
    await queryRunner.query(
      `CREATE INDEX "interactions_site_end_idx" ON "interactions" ("site_id", "end_datetime" DESC, "id" DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX "interactions_site_type_start_idx" ON "interactions" ("site_id", "type", "start_datetime" DESC, "id" DESC)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."interactions_site_type_start_idx"`);
    await queryRunner.query(`DROP INDEX "public"."interactions_site_end_idx"`);
    await queryRunner.query(`DROP INDEX "public"."interactions_site_period_idx"`);
    for (const column of TEXT_COLUMNS) {
      await queryRunner.query(`DROP INDEX "public"."interactions_${column}_trgm_idx"`);
    }
  }
}
