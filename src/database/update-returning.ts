import type { EntityManager } from 'typeorm';

/**
 * Runs `UPDATE … RETURNING …` and gives the returned rows. TypeORM's PostgreSQL driver answers an
 * UPDATE with `[rows, rowCount]` rather than the rows alone.
 */
export async function updateReturning<Row>(
  manager: EntityManager,
  sql: string,
  parameters: unknown[],
): Promise<Row[]> {
  const [rows] = await manager.query<[Row[], number]>(sql, parameters);
  return rows;
}
