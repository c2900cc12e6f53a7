import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../support/auth-helpers';
import { makeInteraction, makeSite, makeUser } from '../support/factories';
import { sessionIn } from '../support/interaction-helpers';
import { createTestApp, type TestApp } from '../support/test-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A read is made slow without load or timing guesses: another connection holds an exclusive lock
 * on the table, so the read's statement waits in PostgreSQL (state `active`, waiting on a lock)
 * until it is cancelled or the lock goes.
 */
describe('dead work is cancelled (client gone, DB_SEARCH_TIMEOUT)', () => {
  let testApp: TestApp;
  let auth: Record<string, string>;
  let baseUrl: string;
  let locker: Client | undefined;
  let lockerPid = 0;

  /** Backends of the app's database running a statement on interactions, but the locker's. */
  const activeReadPids = async (): Promise<number[]> => {
    const rows = await testApp.dataSource.query<Array<{ pid: number }>>(
      `SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
          AND query ILIKE '%"interactions"%' AND pid <> $1`,
      [lockerPid],
    );
    return rows.map((row) => row.pid);
  };
  const activeReads = async (): Promise<number> => (await activeReadPids()).length;

  const backendExists = async (pid: number): Promise<boolean> =>
    (
      await testApp.dataSource.query<unknown[]>('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [
        pid,
      ])
    ).length > 0;

  const lockInteractions = async (): Promise<void> => {
    locker = new Client({ connectionString: testApp.config.databaseUrl });
    locker.on('error', () => undefined);
    await locker.connect();
    lockerPid = (await locker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE interactions IN ACCESS EXCLUSIVE MODE');
  };

  const waitFor = async (condition: () => Promise<boolean>, withinMs: number): Promise<boolean> => {
    const deadline = Date.now() + withinMs;
    while (Date.now() < deadline) {
      if (await condition()) {
        return true;
      }
      await sleep(25);
    }
    return condition();
  };

  beforeAll(async () => {
    testApp = await createTestApp({ DB_SEARCH_TIMEOUT: '700ms', DB_STATEMENT_TIMEOUT: '60s' });
    const site = await makeSite(testApp.dataSource);
    const user = await makeUser(testApp.dataSource, { sites: [[site, 'viewer']] });
    await makeInteraction(testApp.dataSource, { site, user }, { title: 'Albatross sighting' });
    auth = await sessionIn(testApp, user, site);
    await testApp.app.listen(0, '127.0.0.1');
    baseUrl = await testApp.app.getUrl();
  });
  afterEach(async () => {
    await locker?.query('ROLLBACK');
    await locker?.end();
    locker = undefined;
  });
  afterAll(async () => {
    await testApp?.close();
  });

  it.each([
    ['a search', '/api/v1/search/interactions?query=albatross'],
    ['a list page', '/api/v1/interactions'],
  ])('cancels the statement of %s whose client went away, within 1 s', async (_label, path) => {
    await lockInteractions();
    const client = new AbortController();
    const request = fetch(`${baseUrl}${path}`, { headers: auth, signal: client.signal }).catch(
      (error: unknown) => error,
    );
    expect(await waitFor(async () => (await activeReads()) === 1, 5_000)).toBe(true);
    const [cancelled] = await activeReadPids();

    client.abort();
    await request;
    expect(await waitFor(async () => (await activeReads()) === 0, 1_000)).toBe(true);
    // Not handed to the next request: a late CancelRequest for it would cancel that one.
    expect(await waitFor(async () => !(await backendExists(cancelled)), 1_000)).toBe(true);
  });

  it('answers 503 with Retry-After when a search passes DB_SEARCH_TIMEOUT, and cancels it', async () => {
    await lockInteractions();
    const response = await testApp.request({
      method: 'GET',
      url: '/api/v1/search/interactions?query=albatross',
      headers: auth,
    });
    const error = expectError(response, 503, 'SERVICE_UNAVAILABLE');
    expect(error.message).toContain('DB_SEARCH_TIMEOUT');
    expect(response.headers['retry-after']).toBe('5');
    expect(await activeReads()).toBe(0);
  });

  it('keeps the pool usable after cancelled statements', async () => {
    const response = await testApp.request({
      method: 'GET',
      url: '/api/v1/search/interactions?query=albatross',
      headers: auth,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json<{ total: number }>().total).toBe(1);
  });
});
