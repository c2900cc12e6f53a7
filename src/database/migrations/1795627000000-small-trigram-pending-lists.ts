import type { MigrationInterface, QueryRunner } from 'typeorm';

const TEXT_COLUMNS = ['title', 'type', 'lead', 'location', 'description', 'notes'];

/**
 * A GIN index adds new entries to a pending list, merged into the index once it passes
 * `gin_pending_list_limit` (4 MB by default) or by vacuum; every search reads the whole list,
 * whatever its site. At 1M rows, 5,000 creates left some 850 pending pages over the six trigram
 * indexes, and the benchmark's searches took 40–45 % longer until a vacuum. With 64 kB lists the
 * same searches did not slow down, and a create cost 8 % more (the merge is spread over them).
 */
export class SmallTrigramPendingLists1795627000000 implements MigrationInterface {
  name = 'SmallTrigramPendingLists1795627000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const column of TEXT_COLUMNS) {
      await queryRunner.query(
        `ALTER INDEX "public"."interactions_site_${column}_trgm_idx" SET (gin_pending_list_limit = 64)`,
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of TEXT_COLUMNS) {
      await queryRunner.query(
        `ALTER INDEX "public"."interactions_site_${column}_trgm_idx" RESET (gin_pending_list_limit)`,
      );
    }
  }
}
