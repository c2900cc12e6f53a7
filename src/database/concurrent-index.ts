import type { QueryRunner } from 'typeorm';

/**
 * Index builds that do not block writes: CREATE INDEX CONCURRENTLY takes a lock that inserts,
 * updates and deletes do not wait for (a plain CREATE INDEX blocks them for the whole build,
 * about 25 s for the six trigram indexes at 1M rows). Such a build cannot run in a transaction,
 * so the migration sets `transaction = false`, and a failed build leaves an INVALID index behind:
 * a rerun drops that first. Names are the migrations' own constants, never input.
 */
export async function createIndexConcurrently(
  runner: QueryRunner,
  name: string,
  definition: string,
): Promise<void> {
  const [existing] = (await runner.query(
    `SELECT i.indisvalid AS valid
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace`,
    [name],
  )) as Array<{ valid: boolean }>;
  if (existing?.valid) {
    return;
  }
  if (existing) {
    await runner.query(`DROP INDEX CONCURRENTLY "${name}"`);
  }
  await runner.query(`CREATE INDEX CONCURRENTLY "${name}" ${definition}`);
}

export async function dropIndexConcurrently(runner: QueryRunner, name: string): Promise<void> {
  await runner.query(`DROP INDEX CONCURRENTLY IF EXISTS "${name}"`);
}
