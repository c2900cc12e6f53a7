import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { buildDataSourceOptions } from '../../src/database/data-source';
import { runMigrationsLocked } from '../../src/database/migrate';
import { MIGRATIONS } from '../../src/database/migrations';
import { AddSearchIndexes1795621000000 } from '../../src/database/migrations/1795621000000-add-search-indexes';
import { ENTITIES } from '../../src/entities';
import { startServer, waitForUrl } from '../support/server-process';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const CLI = join(__dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
const run = promisify(execFile);

/** `node dist/src/cli/main.js migrate` as the compose job runs it: production, DATABASE_URL only. */
async function migrateJob(url: string): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, 'migrate'], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', DATABASE_URL: url },
  });
  return stdout.trim();
}

async function query<T>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('migrations as a job', () => {
  const databases: TestDatabase[] = [];
  afterEach(async () => {
    await Promise.all(databases.splice(0).map((database) => database.drop()));
  });

  async function emptyDatabase(): Promise<string> {
    const database = await createTestDatabase({ empty: true });
    databases.push(database);
    return database.url;
  }

  it('brings an empty database up to date in production with DATABASE_URL alone, then has nothing to do', async () => {
    const url = await emptyDatabase();
    expect(await migrateJob(url)).toBe(
      `schema is up to date (${MIGRATIONS.length} migration(s) applied)`,
    );
    expect(await migrateJob(url)).toBe('schema is up to date (0 migration(s) applied)');
    const applied = await query<{ name: string }>(url, 'SELECT name FROM migrations ORDER BY id');
    expect(applied.map((row) => row.name)).toEqual(MIGRATIONS.map((migration) => migration.name));
  });

  it('runs each migration once when two jobs start together: they take turns on the lock', async () => {
    const url = await emptyDatabase();
    const outputs = await Promise.all([migrateJob(url), migrateJob(url)]);
    const counts = outputs.map((line) => Number(/\((\d+) migration/.exec(line)?.[1]));
    expect(counts.sort((a, b) => a - b)).toEqual([0, MIGRATIONS.length]);
    const [{ rows }] = await query<{ rows: number }>(
      url,
      'SELECT count(*)::int AS rows FROM migrations',
    );
    expect(rows).toBe(MIGRATIONS.length);
  });

  it('refuses to serve with DB_MIGRATE=false until the job has run, naming the job, and serves after', async () => {
    const url = await emptyDatabase();
    const env = { DATABASE_URL: url, DB_MIGRATE: 'false', HOST: '127.0.0.1', PORT: '0' };
    const refused = await startServer(env).exit;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(`lacks ${MIGRATIONS.length} migration\\(s\\).*run the migrate job`),
    );
    const [{ tables }] = await query<{ tables: number }>(
      url,
      "SELECT count(*)::int AS tables FROM pg_tables WHERE schemaname = 'public'",
    );
    expect(tables).toBe(0);

    await migrateJob(url);
    const server = startServer(env);
    try {
      const base = await waitForUrl(server.output);
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      await server.exit;
    }
  });

  it('keeps taking writes while a migration builds indexes on interactions', async () => {
    const url = await emptyDatabase();
    const upTo = async (count: number) => {
      const dataSource = new DataSource({
        ...buildDataSourceOptions({ url, entities: ENTITIES }),
        migrations: MIGRATIONS.slice(0, count),
        logging: false,
      });
      await dataSource.initialize();
      try {
        return await runMigrationsLocked(dataSource);
      } finally {
        await dataSource.destroy();
      }
    };
    const beforeIndexes = MIGRATIONS.indexOf(AddSearchIndexes1795621000000);
    await upTo(beforeIndexes);
    await query(
      url,
      `WITH u AS (INSERT INTO users (username, email, password_hash) VALUES ('w', 'w@example.com', 'x') RETURNING id)
       INSERT INTO sites (name) SELECT 'site' FROM u`,
    );
    const insert = `INSERT INTO interactions (site_id, title, type, lead, start_datetime, end_datetime, timezone, created_by)
      SELECT (SELECT id FROM sites), $1, 'call', 'lead', now(), now(), 'UTC', (SELECT id FROM users)`;

    // A write in progress when the migration starts: a plain CREATE INDEX queues behind it for
    // its SHARE lock, and every later write then queues behind the CREATE INDEX.
    const writeInProgress = new Client({ connectionString: url });
    await writeInProgress.connect();
    const laterWriter = new Client({ connectionString: url });
    await laterWriter.connect();
    try {
      await writeInProgress.query('BEGIN');
      await writeInProgress.query(insert, ['in progress']);
      const migrating = upTo(beforeIndexes + 1);
      await until(async () => {
        const waiting = await query(
          url,
          "SELECT 1 FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX%' AND wait_event_type = 'Lock'",
        );
        return waiting.length > 0;
      });

      await laterWriter.query("SET lock_timeout = '3s'");
      await expect(laterWriter.query(insert, ['while indexing'])).resolves.toMatchObject({
        rowCount: 1,
      });

      await writeInProgress.query('COMMIT');
      expect(await migrating).toBe(1);
    } finally {
      await writeInProgress.end();
      await laterWriter.end();
    }
    const invalid = await query(
      url,
      `SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = 'interactions'::regclass AND NOT i.indisvalid`,
    );
    expect(invalid).toEqual([]);
  });
});

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error('timed out waiting for the migration to wait on the write in progress');
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
