import { Client, type Pool, type PoolClient } from 'pg';
import type { QueryRunner } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSite, makeUser } from '../support/factories';
import { sessionIn } from '../support/interaction-helpers';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * PostgreSQL ends the connections of this test file's database (pg_terminate_backend: SQLSTATE
 * 57P01, as in a crash or a failover) while the app's clients sit in every state a client can be
 * in. A client without an 'error' listener at that moment would throw an unhandled 'error' event
 * and end the process (here: the test worker, which fails the run).
 */
describe('when PostgreSQL ends every connection of the app', () => {
  let testApp: TestApp;
  let auth: Record<string, string>;
  let pool: Pool;

  beforeAll(async () => {
    testApp = await createTestApp();
    pool = (testApp.dataSource.driver as unknown as { master: Pool }).master;
    const site = await makeSite(testApp.dataSource);
    const user = await makeUser(testApp.dataSource, { sites: [[site, 'member']] });
    auth = await sessionIn(testApp, user, site);
  });
  afterAll(async () => {
    await testApp?.close();
  });

  const terminateAll = async (): Promise<number> => {
    const admin = new Client({ connectionString: testApp.config.databaseUrl });
    admin.on('error', () => undefined);
    await admin.connect();
    try {
      // The terminating call in the select list: a WHERE clause may run it before the pid test.
      const ended = await admin.query<{ terminated: boolean }>(
        `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      return ended.rows.filter((row) => row.terminated).length;
    } finally {
      await admin.end();
    }
  };

  const eventsSettle = () => new Promise((resolve) => setTimeout(resolve, 300));

  it('survives with clients idle, checked out, in a transaction and holding an advisory lock, then answers', async () => {
    // Idle clients in the pool.
    await Promise.all(
      Array.from({ length: 4 }, () =>
        testApp.request({ method: 'GET', url: '/api/v1/interactions', headers: auth }),
      ),
    );
    const checkedOut: PoolClient = await pool.connect();
    const inTransaction: QueryRunner = testApp.dataSource.createQueryRunner();
    await inTransaction.startTransaction();
    await inTransaction.query('SELECT 1 FROM interactions LIMIT 1');
    const lockHolder: QueryRunner = testApp.dataSource.createQueryRunner();
    await lockHolder.query('SELECT pg_advisory_lock(42)');

    expect(await terminateAll()).toBeGreaterThanOrEqual(4);
    await eventsSettle();

    await expect(checkedOut.query('SELECT 1')).rejects.toThrow();
    checkedOut.release(true);
    await expect(inTransaction.query('SELECT 1')).rejects.toThrow();
    await inTransaction.release();
    await expect(lockHolder.query('SELECT 1')).rejects.toThrow();
    await lockHolder.release();

    expect((await testApp.request({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    const list = await testApp.request({
      method: 'GET',
      url: '/api/v1/interactions',
      headers: auth,
    });
    expect(list.statusCode).toBe(200);
  });

  it('gives every client the pool creates an error listener before anyone can check it out', async () => {
    const clients = await Promise.all(Array.from({ length: 3 }, () => pool.connect()));
    try {
      for (const client of clients) {
        expect(client.listenerCount('error')).toBeGreaterThan(0);
      }
    } finally {
      for (const client of clients) {
        client.release();
      }
    }
  });
});
