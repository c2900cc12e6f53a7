import type { DataSource } from 'typeorm';

/** Any constant shared by every instance: the lock that lets only one of them migrate at a time. */
const MIGRATION_LOCK_KEY = 7_274_011;

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so instances started together behind
 * a gateway do not race each other through the same migration.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<number> {
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();
  try {
    await lockRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'all' });
    return applied.length;
  } finally {
    await lockRunner
      .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
      .catch(() => undefined);
    await lockRunner.release();
  }
}
