import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexConcurrently, dropIndexConcurrently } from '../concurrent-index';

const TEXT_COLUMNS = ['title', 'type', 'lead', 'location', 'description', 'notes'];

/**
 * Every substring search is within one site, but a trigram index over a column alone finds the
 * candidates of all sites, and PostgreSQL then reads and rechecks each of them to keep the site's:
 * at 1M rows in 20 sites, 50,000 heap rows to find a term's 2,500. With the site in the GIN index
 * (btree_gin), the index hands over the site's candidates only; search= and the advanced search
 * cost half their PostgreSQL time (issue 8, docs/performance.md). Each new index is built
 * CONCURRENTLY before the old one goes, so writes go on and searches keep an index.
 */
export class SiteScopedTrigramIndexes1795625000000 implements MigrationInterface {
  name = 'SiteScopedTrigramIndexes1795625000000';
  transaction = false;

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS btree_gin`);
    for (const column of TEXT_COLUMNS) {
      await createIndexConcurrently(
        queryRunner,
        `interactions_site_${column}_trgm_idx`,
        `ON "interactions" USING gin ("site_id", "${column}" gin_trgm_ops)`,
      );
      await dropIndexConcurrently(queryRunner, `interactions_${column}_trgm_idx`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of TEXT_COLUMNS) {
      await createIndexConcurrently(
        queryRunner,
        `interactions_${column}_trgm_idx`,
        `ON "interactions" USING gin ("${column}" gin_trgm_ops)`,
      );
      await dropIndexConcurrently(queryRunner, `interactions_site_${column}_trgm_idx`);
    }
  }
}
