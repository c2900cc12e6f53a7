import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexConcurrently, dropIndexConcurrently } from '../concurrent-index';

/**
 * Indexes for what reads the trail by one target or one actor within a site: a record's history
 * and `GET /audit?target_id=` (site, target, id), and `GET /audit?actor_id=` (site, actor, id).
 * The first replaces the index over (target_type, target_id, id), which left the site to be
 * filtered row by row. The site's newest events and the other filters walk audit_events_site_idx.
 * Built CONCURRENTLY: the trail takes an insert with every change.
 */
export class AuditFilterIndexes1795629000000 implements MigrationInterface {
  name = 'AuditFilterIndexes1795629000000';
  transaction = false;

  public async up(queryRunner: QueryRunner): Promise<void> {
    await createIndexConcurrently(
      queryRunner,
      'audit_events_site_target_idx',
      `ON "audit_events" ("site_id", "target_id", "id")`,
    );
    await createIndexConcurrently(
      queryRunner,
      'audit_events_site_actor_idx',
      `ON "audit_events" ("site_id", "actor_id", "id")`,
    );
    await dropIndexConcurrently(queryRunner, 'audit_events_target_idx');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await createIndexConcurrently(
      queryRunner,
      'audit_events_target_idx',
      `ON "audit_events" ("target_type", "target_id", "id")`,
    );
    await dropIndexConcurrently(queryRunner, 'audit_events_site_actor_idx');
    await dropIndexConcurrently(queryRunner, 'audit_events_site_target_idx');
  }
}
