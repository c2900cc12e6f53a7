import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_INTERACTION_TYPES } from '../../src/config/app-config';
import { buildDataSourceOptions } from '../../src/database/data-source';
import { seedBulkInteractions } from '../../src/database/seeds/bulk.seed';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('seedBulkInteractions', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource(buildDataSourceOptions({ url: database.url })).initialize();
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  it('spreads the rows evenly over the sites with valid types, times and a manager creator', async () => {
    const siteIds = await seedBulkInteractions(dataSource, { count: 1_000, sites: 3 });
    expect(siteIds).toHaveLength(3);
    const perSite = await dataSource.query<Array<{ site_id: number; count: string }>>(
      'SELECT site_id, count(*) FROM interactions GROUP BY site_id ORDER BY site_id',
    );
    expect(perSite.map((row) => Number(row.count))).toEqual([334, 333, 333]);
    const types = await dataSource.query<Array<{ type: string }>>(
      'SELECT DISTINCT type FROM interactions',
    );
    expect(
      types.map((row) => row.type).every((type) => DEFAULT_INTERACTION_TYPES.includes(type)),
    ).toBe(true);
    const [{ past, future }] = await dataSource.query<Array<{ past: string; future: string }>>(
      `SELECT count(*) FILTER (WHERE end_datetime <= now()) AS past, count(*) FILTER (WHERE start_datetime > now()) AS future
         FROM interactions`,
    );
    expect(Number(past)).toBeGreaterThan(0);
    expect(Number(future)).toBeGreaterThan(0);
    const roles = await dataSource.query<Array<{ role: string }>>(
      `SELECT m.role FROM site_memberships m JOIN users u ON u.id = m.user_id WHERE u.username = 'bulk-loader'`,
    );
    expect(roles.map((row) => row.role)).toEqual(['manager', 'manager', 'manager']);
  });

  it('reuses its sites and user when run again', async () => {
    const before = await dataSource.query<Array<{ id: number }>>(
      "SELECT id FROM sites WHERE name LIKE 'Bulk site %'",
    );
    await seedBulkInteractions(dataSource, { count: 10, sites: 3 });
    const after = await dataSource.query<Array<{ id: number }>>(
      "SELECT id FROM sites WHERE name LIKE 'Bulk site %'",
    );
    expect(after).toEqual(before);
    const [{ count }] = await dataSource.query<Array<{ count: string }>>(
      'SELECT count(*) FROM interactions',
    );
    expect(Number(count)).toBe(1_010);
  });
});
