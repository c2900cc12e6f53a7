import 'reflect-metadata';
import argon2 from 'argon2';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_INTERACTION_TYPES } from '../../src/config/app-config';
import { buildDataSourceOptions } from '../../src/database/data-source';
import { ENTITIES } from '../../src/entities';
import { BULK_PASSWORD, seedBulkInteractions } from '../../src/seeds/bulk.seed';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('seedBulkInteractions', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource(
      buildDataSourceOptions({ entities: ENTITIES, url: database.url }),
    ).initialize();
    await seedBulkInteractions(dataSource, { interactions: 2_000, sites: 3, users: 5 });
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  async function one<Row>(sql: string): Promise<Row> {
    const [row] = await dataSource.query<Row[]>(sql);
    return row;
  }

  it('spreads the rows evenly over the sites with valid types', async () => {
    const perSite = await dataSource.query<Array<{ count: string }>>(
      'SELECT count(*) FROM interactions GROUP BY site_id ORDER BY site_id',
    );
    expect(perSite.map((row) => Number(row.count))).toEqual([667, 667, 666]);
    const types = await dataSource.query<Array<{ type: string }>>(
      'SELECT DISTINCT type FROM interactions ORDER BY type',
    );
    expect(types.map((row) => row.type)).toEqual([...DEFAULT_INTERACTION_TYPES].sort());
  });

  it('spreads starts over two years back and ahead, on many days of every site', async () => {
    const spread = await one<{ earliest: number; latest: number; min_days: string }>(
      `SELECT min(extract(epoch FROM start_datetime - now()) / 86400)::float8 AS earliest,
              max(extract(epoch FROM start_datetime - now()) / 86400)::float8 AS latest,
              min(days) AS min_days
         FROM interactions,
              (SELECT count(DISTINCT start_datetime::date) AS days FROM interactions GROUP BY site_id) AS per_site`,
    );
    expect(spread.earliest).toBeGreaterThan(-731);
    expect(spread.earliest).toBeLessThan(-700);
    expect(spread.latest).toBeGreaterThan(700);
    expect(spread.latest).toBeLessThan(731);
    // 667 rows over 1460 days: one day in twenty per site (the old generator) would give 73.
    expect(Number(spread.min_days)).toBeGreaterThan(450);
  });

  it('gives durations from 15 minutes to 4 hours, in several time zones', async () => {
    const durations = await one<{ shortest: number; longest: number; distinct: string }>(
      `SELECT min(extract(epoch FROM end_datetime - start_datetime) / 60) AS shortest,
              max(extract(epoch FROM end_datetime - start_datetime) / 60) AS longest,
              count(DISTINCT end_datetime - start_datetime) AS distinct
         FROM interactions`,
    );
    expect(Number(durations.shortest)).toBe(15);
    expect(Number(durations.longest)).toBe(240);
    expect(Number(durations.distinct)).toBe(16);
    const zones = await one<{ count: string }>(
      'SELECT count(DISTINCT timezone) AS count FROM interactions',
    );
    expect(Number(zones.count)).toBeGreaterThanOrEqual(5);
  });

  it('draws leads from a pool of a few hundred names and varies titles and descriptions', async () => {
    const variety = await one<{ leads: string; titles: string; descriptions: string }>(
      `SELECT count(DISTINCT lead) AS leads, count(DISTINCT title) AS titles,
              count(DISTINCT description) AS descriptions FROM interactions`,
    );
    expect(Number(variety.leads)).toBeGreaterThan(300);
    expect(Number(variety.leads)).toBeLessThanOrEqual(400);
    expect(Number(variety.titles)).toBeGreaterThan(500);
    expect(Number(variety.descriptions)).toBeGreaterThan(1_000);
  });

  it('has the interactions created by the bulk users, members or managers of every site', async () => {
    const creators = await dataSource.query<Array<{ username: string; sites: string }>>(
      `SELECT u.username, count(DISTINCT m.site_id) AS sites
         FROM (SELECT DISTINCT created_by FROM interactions) c
         JOIN users u ON u.id = c.created_by
         JOIN site_memberships m ON m.user_id = u.id AND m.role IN ('member', 'manager')
        GROUP BY u.username ORDER BY u.username`,
    );
    expect(creators).toEqual(
      [1, 2, 3, 4, 5].map((index) => ({ username: `bulk-user-${index}`, sites: '3' })),
    );
    const roles = await dataSource.query<Array<{ role: string }>>(
      `SELECT DISTINCT m.role FROM site_memberships m JOIN users u ON u.id = m.user_id
        WHERE u.username = 'bulk-user-1'`,
    );
    expect(roles).toEqual([{ role: 'manager' }]);
  });

  it('lets the bulk users log in with the documented password', async () => {
    const { password_hash: hash } = await one<{ password_hash: string }>(
      `SELECT password_hash FROM users WHERE username = 'bulk-user-2'`,
    );
    expect(await argon2.verify(hash, BULK_PASSWORD)).toBe(true);
  });

  it('restores every index and foreign key after a load that dropped them', async () => {
    const indexes = `SELECT indexname AS name, indexdef AS definition FROM pg_indexes
                      WHERE tablename = 'interactions'
                     UNION ALL
                     SELECT conname, pg_get_constraintdef(oid) || ' ' || convalidated FROM pg_constraint
                      WHERE conrelid = 'interactions'::regclass
                     ORDER BY name`;
    const before = await dataSource.query<Array<{ name: string; definition: string }>>(indexes);
    // Small pending lists (migration small-trigram-pending-lists), kept through the rebuild.
    const trigram = before.filter((row) => row.name.endsWith('_trgm_idx'));
    expect(trigram).toHaveLength(6);
    for (const row of trigram) {
      expect(row.definition).toContain("gin_pending_list_limit='64'");
    }
    const result = await seedBulkInteractions(dataSource, {
      interactions: 100,
      sites: 3,
      users: 5,
      rebuildIndexes: true,
    });
    expect(result.rebuiltIndexes).toBe(true);
    expect(before.map((row) => row.name)).toEqual(
      expect.arrayContaining(['interactions_site_id_fkey', 'interactions_site_title_trgm_idx']),
    );
    expect(await dataSource.query(indexes)).toEqual(before);
  });

  it('reuses its sites and users when run again, and keeps every index', async () => {
    const indexesBefore = await dataSource.query<Array<{ indexname: string }>>(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'interactions' ORDER BY indexname`,
    );
    const before = await dataSource.query<Array<{ id: number }>>(
      "SELECT id FROM sites WHERE name LIKE 'Bulk site %' ORDER BY id",
    );
    await seedBulkInteractions(dataSource, { interactions: 10, sites: 3, users: 5 });
    const after = await dataSource.query<Array<{ id: number }>>(
      "SELECT id FROM sites WHERE name LIKE 'Bulk site %' ORDER BY id",
    );
    expect(after).toEqual(before);
    const counts = await one<{ interactions: string; users: string }>(
      `SELECT (SELECT count(*) FROM interactions) AS interactions,
              (SELECT count(*) FROM users WHERE username LIKE 'bulk-user-%') AS users`,
    );
    expect(counts).toEqual({ interactions: '2110', users: '5' });
    const indexesAfter = await dataSource.query<Array<{ indexname: string }>>(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'interactions' ORDER BY indexname`,
    );
    expect(indexesAfter).toEqual(indexesBefore);
  });
});

describe('seedBulkInteractions with a largest site (DESIGN.md §9 workload)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource(
      buildDataSourceOptions({ entities: ENTITIES, url: database.url }),
    ).initialize();
    await seedBulkInteractions(dataSource, {
      interactions: 10_000,
      sites: 5,
      users: 2,
      largestSitePercent: 35,
    });
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  it('puts the given share in the first site and spreads the rest evenly over the others', async () => {
    const perSite = await dataSource.query<Array<{ name: string; count: string }>>(
      `SELECT s.name, count(*) FROM interactions i JOIN sites s ON s.id = i.site_id
        GROUP BY s.name ORDER BY s.name`,
    );
    const counts = Object.fromEntries(perSite.map((row) => [row.name, Number(row.count)]));
    expect(Object.keys(counts)).toEqual([1, 2, 3, 4, 5].map((n) => `Bulk site ${n}`));
    expect(counts['Bulk site 1']).toBeGreaterThan(3_300);
    expect(counts['Bulk site 1']).toBeLessThan(3_700);
    for (const n of [2, 3, 4, 5]) {
      expect(counts[`Bulk site ${n}`]).toBeGreaterThan(1_450);
      expect(counts[`Bulk site ${n}`]).toBeLessThan(1_800);
    }
  });
});
