import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexConcurrently, dropIndexConcurrently } from '../concurrent-index';

const TEXT_COLUMNS = ['title', 'type', 'lead', 'location', 'description', 'notes'];

/**
 * Indexes for the search access paths (DESIGN.md §7): trigram GIN indexes make case-insensitive
 * substring search (ILIKE '%term%') indexable per column; a GiST index on the period serves
 * date-range overlap; two b-trees serve "recent" and "by type" in their sort order. Built
 * CONCURRENTLY, so a database that already holds interactions keeps taking writes meanwhile.
 */
export class AddSearchIndexes1795621000000 implements MigrationInterface {
  name = 'AddSearchIndexes1795621000000';
  transaction = false;

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const column of TEXT_COLUMNS) {
      await createIndexConcurrently(
        queryRunner,
        `interactions_${column}_trgm_idx`,
        `ON "interactions" USING gin ("${column}" gin_trgm_ops)`,
      );
    }
    // Date-range overlap: a GiST index over (site, period) bounds the scan from both ends.
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);
    await createIndexConcurrently(
      queryRunner,
      'interactions_site_period_idx',
      `ON "interactions" USING gist ("site_id", tstzrange("start_datetime", "end_datetime", '[]'))`,
    );
    await createIndexConcurrently(
      queryRunner,
      'interactions_site_end_idx',
      `ON "interactions" ("site_id", "end_datetime" DESC, "id" DESC)`,
    );
    await createIndexConcurrently(
      queryRunner,
      'interactions_site_type_start_idx',
      `ON "interactions" ("site_id", "type", "start_datetime" DESC, "id" DESC)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await dropIndexConcurrently(queryRunner, 'interactions_site_type_start_idx');
    await dropIndexConcurrently(queryRunner, 'interactions_site_end_idx');
    await dropIndexConcurrently(queryRunner, 'interactions_site_period_idx');
    for (const column of TEXT_COLUMNS) {
      await dropIndexConcurrently(queryRunner, `interactions_${column}_trgm_idx`);
    }
  }
}
