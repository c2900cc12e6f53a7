import { MigrationExecutor, type DataSource, type QueryRunner } from 'typeorm';

/** Any constant shared by every instance: the lock that lets only one of them migrate at a time. */
const MIGRATION_LOCK_KEY = 7_274_011;
const LOCK_POLL_MS = 200;

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so instances or jobs started together
 * do not race each other through the same migration. One session holds the lock and runs the
 * migrations, each in its own transaction unless it builds indexes CONCURRENTLY (which cannot run
 * in one). That session has no statement or lock timeout: an index build on a large table takes
 * longer than any request may, and waiting for the lock or for older transactions is the point.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<number> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SET statement_timeout = 0');
    await runner.query('SET lock_timeout = 0');
    await takeLock(runner);
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    const applied = await executor.executePendingMigrations();
    return applied.length;
  } finally {
    await runner
      .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
      .catch(() => undefined);
    await runner.query('RESET statement_timeout; RESET lock_timeout').catch(() => undefined);
    await runner.release();
  }
}

/**
 * Polls for the lock instead of waiting in pg_advisory_lock: CREATE INDEX CONCURRENTLY waits for
 * every transaction older than its snapshot, a session blocked in pg_advisory_lock is one, and
 * PostgreSQL ends the pair as a deadlock. Between two polls this session runs no statement.
 */
async function takeLock(runner: QueryRunner): Promise<void> {
  for (;;) {
    const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [
      MIGRATION_LOCK_KEY,
    ])) as Array<{ locked: boolean }>;
    if (locked) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

/** The names of the migrations the database has not run yet. */
export async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  try {
    const pending = await new MigrationExecutor(dataSource, runner).getPendingMigrations();
    return pending.map((migration) => migration.name);
  } finally {
    await runner.release();
  }
}
