import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import type { TestProject } from 'vitest/node';
import { buildDataSourceOptions } from '../../src/database/data-source';
import { ENTITIES } from '../../src/entities';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/database/embedded-postgres';
import { runMigrationsLocked } from '../../src/database/migrate';
import { TEMPLATE_DATABASE, withDatabase } from './database-url';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}

/**
 * One real PostgreSQL for the whole run: DATABASE_URL when given (its database is only used to
 * create others), else an embedded server in a temporary folder. Migrations run once into a
 * template database; every test file clones it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let embedded: EmbeddedDatabase | undefined;
  let dataDir: string | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    dataDir = await mkdtemp(join(tmpdir(), 'ims-test-pg-'));
    embedded = await startEmbeddedPostgres(dataDir, 0, () => undefined);
    adminUrl = withDatabase(embedded.url, 'postgres');
  }
  await recreateTemplate(adminUrl);
  project.provide('adminDatabaseUrl', adminUrl);

  return async () => {
    await embedded?.stop();
    if (dataDir) {
      await rm(dataDir, { recursive: true, force: true });
    }
  };
}

async function recreateTemplate(adminUrl: string): Promise<void> {
  const admin = new Client({ connectionString: adminUrl });
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  const dataSource = new DataSource(
    buildDataSourceOptions({ entities: ENTITIES, url: withDatabase(adminUrl, TEMPLATE_DATABASE) }),
  );
  await dataSource.initialize();
  try {
    await runMigrationsLocked(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
