import type { DataSource, EntityManager } from 'typeorm';
import { hashPassword } from '../auth/password-hasher';
import { DEFAULT_INTERACTION_TYPES } from '../config/app-config';
import { DEMO_PASSWORD } from './demo.seed';

export interface BulkSeedOptions {
  /** Interactions to add, spread evenly over the sites. */
  interactions: number;
  sites: number;
  /** Users created as members and managers of every bulk site; they create the interactions. */
  users: number;
  /** Drop the secondary indexes for the load and build them again; default from 100 000 rows. */
  rebuildIndexes?: boolean;
  /**
   * Percent of the rows in the first site, the rest spread evenly over the others, as one
   * headquarters dominates a real organisation (DESIGN.md §9: 35). Absent: all sites alike.
   */
  largestSitePercent?: number;
}

export interface BulkSeedResult {
  siteIds: number[];
  userIds: number[];
  /** Whether the secondary indexes and foreign keys were dropped for the load and restored after. */
  rebuiltIndexes: boolean;
}

/** Bulk data is for local benchmarks only: its users share the demo password, so tools can log in. */
export const BULK_PASSWORD = DEMO_PASSWORD;

/** `bulk-user-1` … `bulk-user-U`; user 1 (and every fourth after it) manages, the others are members. */
export function bulkUsername(index: number): string {
  return `bulk-user-${index}`;
}

/**
 * From this many rows on, dropping the secondary indexes and building them again after the insert
 * is several times faster than maintaining them row by row (six trigram GIN indexes above all).
 */
const REBUILD_INDEXES_FROM = 100_000;

const FIRST_NAMES = [
  'James',
  'Maria',
  'Wei',
  'Amara',
  'Lars',
  'Priya',
  'Tom',
  'Sofia',
  'Kenji',
  'Fatima',
  'Lucas',
  'Elena',
  'Omar',
  'Hannah',
  'Diego',
  'Aisha',
  'Mateo',
  'Ingrid',
  'Ravi',
  'Chloe',
];
const LAST_NAMES = [
  'Smith',
  'Garcia',
  'Chen',
  'Okafor',
  'Nilsson',
  'Patel',
  'Brown',
  'Rossi',
  'Tanaka',
  'Haddad',
  'Martin',
  'Petrova',
  'Khan',
  'Schmidt',
  'Lopez',
  'Mensah',
  'Silva',
  'Larsen',
  'Iyer',
  'Dubois',
];
const ACTIVITIES = [
  'Kickoff',
  'Quarterly review',
  'Planning session',
  'Product demo',
  'Follow-up',
  'Onboarding',
  'Retrospective',
  'Contract negotiation',
  'Budget check-in',
  'Site visit',
  'Status update',
  'Workshop',
  'Support escalation',
  'Renewal discussion',
  'Training',
  'Steering committee',
];
const CONNECTORS = ['with', 'for', 'about', 'at'];
const COMPANIES = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Stark Industries',
  'Wayne Enterprises',
  'Wonka',
  'Tyrell',
  'Cyberdyne',
  'Soylent',
  'Vandelay',
  'Massive Dynamic',
  'Aperture',
  'Oscorp',
  'Gringotts',
  'Monarch',
  'Nakatomi',
  'Pied Piper',
  'Dunder Mifflin',
];
const TOPICS = [
  'pricing',
  'the roadmap',
  'delivery dates',
  'the pilot results',
  'support tickets',
  'the renewal terms',
  'security requirements',
  'invoice disputes',
  'training needs',
  'the integration plan',
  'hiring',
  'the budget for next year',
  'data migration',
  'service levels',
  'the marketing campaign',
  'warehouse capacity',
];
const NEXT_STEPS = [
  'send the revised proposal',
  'schedule a technical deep dive',
  'share the meeting minutes',
  'prepare a cost estimate',
  'loop in the legal team',
  'book the follow-up call',
  'update the project plan',
  'collect feedback from users',
  'draft the statement of work',
  'confirm the delivery address',
];
const LOCATIONS = [
  '',
  '',
  '',
  'Conference Room A',
  'Conference Room B',
  'Board Room',
  'Online',
  'Head office',
  'Customer site',
  'Cafeteria',
  'Lisbon office',
  'Berlin office',
  'Tokyo office',
];
const TIME_ZONES = [
  'UTC',
  'America/New_York',
  'America/Chicago',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'Europe/London',
  'Europe/Berlin',
  'Asia/Kolkata',
  'Asia/Tokyo',
  'Australia/Sydney',
];

/** The distinct words (three letters or more, lower case) of the bulk data's texts: benchmark terms. */
export function bulkWords(): string[] {
  const texts = [
    ...FIRST_NAMES,
    ...LAST_NAMES,
    ...ACTIVITIES,
    ...COMPANIES,
    ...TOPICS,
    ...NEXT_STEPS,
    ...LOCATIONS,
  ];
  const words = texts
    .join(' ')
    .toLowerCase()
    .split(/[^a-z]+/);
  return [...new Set(words.filter((word) => word.length >= 3))];
}

/**
 * `h(k)`: a pseudo-random non-negative integer for row `n`, independent for each `k`. Hashing the
 * row number (rather than random()) makes the data reproducible and every expression single-valued.
 */
const h = (k: number): string => `(hashint4extended(n, ${k}) & 2147483647)`;
const pick = (array: string, k: number): string =>
  `(${array})[1 + ${h(k)} % cardinality(${array})]`;

/** Quarter hours in four years: start times spread evenly over two years back and two ahead. */
const QUARTER_HOURS = 4 * 365 * 96;
const START = `date_trunc('hour', now()) - interval '730 days' + (${h(7)} % ${QUARTER_HOURS}) * interval '15 minutes'`;

/** Evenly over the sites ($1), or with $15 percent in the first and the rest even over the others. */
const SITE_OF_ROW = `CASE
    WHEN $15::int IS NULL OR cardinality($1::int[]) = 1 THEN ($1::int[])[1 + n % cardinality($1::int[])]
    WHEN ${h(18)} % 100 < $15::int THEN ($1::int[])[1]
    ELSE ($1::int[])[2 + n % (cardinality($1::int[]) - 1)]
  END`;

const INSERT_SQL = `
  INSERT INTO interactions
    (site_id, title, type, lead, start_datetime, end_datetime, timezone, location, description, notes, created_by)
  SELECT ${SITE_OF_ROW},
         ${pick('$3::text[]', 1)} || ' ' || ${pick('$4::text[]', 2)} || ' ' || ${pick('$5::text[]', 3)},
         ${pick('$2::text[]', 4)},
         ${pick('$6::text[]', 5)} || ' ' || ${pick('$7::text[]', 6)},
         ${START},
         ${START} + (1 + ${h(8)} % 16) * interval '15 minutes',
         ${pick('$8::text[]', 9)},
         ${pick('$9::text[]', 10)},
         'Discussed ' || ${pick('$10::text[]', 11)} || ' and ' || ${pick('$10::text[]', 12)}
           || ' with ' || ${pick('$6::text[]', 13)} || ' of ' || ${pick('$5::text[]', 3)}
           || '. Next step: ' || ${pick('$11::text[]', 14)} || '.',
         CASE WHEN ${h(15)} % 5 < 2 THEN 'To do: ' || ${pick('$11::text[]', 16)} ELSE '' END,
         ${pick('$12::int[]', 17)}
    FROM generate_series($13::int, $14::int) AS n`;

/**
 * Load for benchmarks and query plans: `interactions` rows spread over `sites` sites (evenly, or
 * with `largestSitePercent` of them in the first; created
 * as "Bulk site N" when missing), with varied titles, leads (400 names), descriptions, types, time
 * zones, starts over ±2 years and durations of 15 min to 4 h, created by `users` bulk users who
 * are members or managers of every bulk site and log in with BULK_PASSWORD.
 *
 * Rows are generated inside PostgreSQL by one INSERT … SELECT, in one transaction; for a large load
 * the secondary indexes and foreign keys of `interactions` are dropped first and restored before
 * commit (the table is locked meanwhile; a failure rolls the drop back too).
 */
export async function seedBulkInteractions(
  dataSource: DataSource,
  options: BulkSeedOptions,
): Promise<BulkSeedResult> {
  const siteIds: number[] = [];
  for (let index = 1; index <= options.sites; index += 1) {
    const [site] = await dataSource.query<Array<{ id: number }>>(
      `INSERT INTO sites (name, description) VALUES ($1, 'Generated for load tests')
       ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
      [`Bulk site ${index}`],
    );
    siteIds.push(site.id);
  }
  const passwordHash = await hashPassword(BULK_PASSWORD);
  const userIds: number[] = [];
  for (let index = 1; index <= options.users; index += 1) {
    const username = bulkUsername(index);
    const [user] = await dataSource.query<Array<{ id: number }>>(
      `INSERT INTO users (username, email, password_hash) VALUES ($1, $2, $3)
       ON CONFLICT (lower(username)) DO UPDATE SET password_hash = EXCLUDED.password_hash RETURNING id`,
      [username, `${username}@example.invalid`, passwordHash],
    );
    userIds.push(user.id);
    await dataSource.query(
      `INSERT INTO site_memberships (user_id, site_id, role) SELECT $1, unnest($2::int[]), $3
       ON CONFLICT (user_id, site_id) DO UPDATE SET role = EXCLUDED.role`,
      [user.id, siteIds, index % 4 === 1 ? 'manager' : 'member'],
    );
  }

  const rebuiltIndexes = options.rebuildIndexes ?? options.interactions >= REBUILD_INDEXES_FROM;
  await dataSource.transaction(async (manager) => {
    await manager.query('SET LOCAL statement_timeout = 0');
    // Index builds sort in memory; PostgreSQL 18 builds b-tree and GIN indexes with parallel workers.
    await manager.query(`SET LOCAL maintenance_work_mem = '512MB'`);
    const restore = rebuiltIndexes ? await dropSecondaryIndexesAndForeignKeys(manager) : [];
    await manager.query(INSERT_SQL, [
      siteIds,
      DEFAULT_INTERACTION_TYPES,
      ACTIVITIES,
      CONNECTORS,
      COMPANIES,
      FIRST_NAMES,
      LAST_NAMES,
      TIME_ZONES,
      LOCATIONS,
      TOPICS,
      NEXT_STEPS,
      userIds,
      0,
      options.interactions - 1,
      options.largestSitePercent ?? null,
    ]);
    for (const statement of restore) {
      await manager.query(statement);
    }
  });
  // VACUUM too, not only ANALYZE: it sets the visibility map and hint bits, so the first readers
  // (and autovacuum, mid-benchmark) do not pay for a freshly loaded table.
  await dataSource.query('VACUUM (ANALYZE) interactions');
  return { siteIds, userIds, rebuiltIndexes };
}

/**
 * Drops the indexes of `interactions` that back no constraint, and its foreign keys (checked row by
 * row by triggers, they cost more than the insert itself; added again, each is validated by one
 * join). Returns the statements that restore them as they were.
 */
async function dropSecondaryIndexesAndForeignKeys(manager: EntityManager): Promise<string[]> {
  const indexes = await manager.query<Array<{ name: string; definition: string }>>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i
      WHERE i.indrelid = 'interactions'::regclass
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
  );
  const foreignKeys = await manager.query<Array<{ name: string; definition: string }>>(
    `SELECT quote_ident(conname) AS name, pg_get_constraintdef(oid) AS definition
       FROM pg_constraint WHERE conrelid = 'interactions'::regclass AND contype = 'f'`,
  );
  for (const index of indexes) {
    await manager.query(`DROP INDEX ${index.name}`);
  }
  for (const foreignKey of foreignKeys) {
    await manager.query(`ALTER TABLE interactions DROP CONSTRAINT ${foreignKey.name}`);
  }
  return [
    ...indexes.map((index) => index.definition),
    ...foreignKeys.map(
      (foreignKey) =>
        `ALTER TABLE interactions ADD CONSTRAINT ${foreignKey.name} ${foreignKey.definition}`,
    ),
  ];
}
