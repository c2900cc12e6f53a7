import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { hashPassword } from '../../auth/password-hasher';
import { DEFAULT_INTERACTION_TYPES } from '../../config/app-config';

export interface BulkSeedOptions {
  count: number;
  sites: number;
}

const BATCH = 50_000;
const BULK_USERNAME = 'bulk-loader';

/**
 * Load for benchmarks and query plans: `count` interactions spread evenly over `sites` sites
 * (created as "Bulk site N" when missing), all created by a `bulk-loader` manager of those sites.
 * Rows are generated inside PostgreSQL (generate_series) in batches, so a million takes seconds.
 */
export async function seedBulkInteractions(
  dataSource: DataSource,
  options: BulkSeedOptions,
): Promise<number[]> {
  const siteIds: number[] = [];
  for (let index = 1; index <= options.sites; index += 1) {
    const [site] = await dataSource.query<Array<{ id: number }>>(
      `INSERT INTO sites (name, description) VALUES ($1, 'Generated for load tests')
       ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
      [`Bulk site ${index}`],
    );
    siteIds.push(site.id);
  }
  const [user] = await dataSource.query<Array<{ id: number }>>(
    `INSERT INTO users (username, email, password_hash) VALUES ($1, $2, $3)
     ON CONFLICT (lower(username)) DO UPDATE SET username = EXCLUDED.username RETURNING id`,
    [
      BULK_USERNAME,
      `${BULK_USERNAME}@example.invalid`,
      await hashPassword(randomBytes(24).toString('base64url')),
    ],
  );
  await dataSource.query(
    `INSERT INTO site_memberships (user_id, site_id, role) SELECT $1, unnest($2::int[]), 'manager'
     ON CONFLICT (user_id, site_id) DO NOTHING`,
    [user.id, siteIds],
  );
  for (let offset = 0; offset < options.count; offset += BATCH) {
    await dataSource.transaction(async (manager) => {
      // Maintaining six trigram indexes makes a batch outlast the app's statement timeout.
      await manager.query('SET LOCAL statement_timeout = 0');
      await manager.query(
        `INSERT INTO interactions
         (site_id, title, type, lead, start_datetime, end_datetime, timezone, location, description, notes, created_by)
       SELECT ($1::int[])[1 + n % cardinality($1::int[])],
              (ARRAY['Kickoff','Review','Planning','Demo','Follow-up','Onboarding','Retrospective','Negotiation'])[1 + n % 8]
                || ' ' || (ARRAY['with','about','for','on'])[1 + (n / 8) % 4] || ' '
                || (ARRAY['Acme','Globex','Initech','Umbrella','Hooli','Stark','Wayne','Wonka','Tyrell','Cyberdyne'])[1 + (n / 32) % 10]
                || ' #' || n,
              ($2::text[])[1 + (n / 3) % cardinality($2::text[])],
              (ARRAY['John Smith','Jane Doe','Maria Garcia','Wei Chen','Amara Okafor','Lars Nilsson','Priya Patel','Tom Brown'])[1 + (n * 7) % 8]
                || ' ' || (n % 97),
              now() - interval '730 days' + (n % 1460) * interval '1 day' + (n % 600) * interval '1 minute',
              now() - interval '730 days' + (n % 1460) * interval '1 day' + (n % 600 + 30 + n % 150) * interval '1 minute',
              (ARRAY['UTC','America/New_York','Europe/London','Asia/Tokyo'])[1 + n % 4],
              (ARRAY['','Room A','Room B','Online','Head office'])[1 + n % 5],
              'Generated interaction ' || n || ' about ' || md5(n::text),
              CASE WHEN n % 5 = 0 THEN 'Send minutes ' || md5((n * 31)::text) ELSE '' END,
              $3
         FROM generate_series($4::int, $5::int) AS n`,
        [
          siteIds,
          DEFAULT_INTERACTION_TYPES,
          user.id,
          offset,
          Math.min(offset + BATCH, options.count) - 1,
        ],
      );
    });
  }
  await dataSource.query('ANALYZE interactions');
  return siteIds;
}
