import { generateKeyPairSync } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { Client, type Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { User } from '../../src/auth/entities/user.entity';
import type { Interaction } from '../../src/interactions/entities/interaction.entity';
import type { Site } from '../../src/sites/entities/site.entity';
import { expectError } from '../support/auth-helpers';
import { makeInteraction, makeSite, makeUser } from '../support/factories';
import { EXAMPLE_INTERACTION, interactionOf, sessionIn } from '../support/interaction-helpers';
import { APP_STARTUP_PARAMETERS, PgBouncer, pgbouncerBinary } from '../support/pgbouncer';
import { createTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** PgBouncer's server connections: far fewer than the app's pool, so they change hands. */
const SERVER_CONNECTIONS = 2;
const ROUNDS = 5;
/**
 * The apps' timeouts, and the same on the role as an operator sets them. The lock timeout is
 * longer than the default so that a statement waiting for a lock stops within the cancellation
 * test's 5 s only if its cancel reached PostgreSQL.
 */
const TIMEOUTS = {
  DB_STATEMENT_TIMEOUT: '15s',
  DB_LOCK_TIMEOUT: '15s',
  DB_IDLE_IN_TRANSACTION_TIMEOUT: '60s',
};

if (!pgbouncerBinary) {
  console.warn(
    'pgbouncer: pgbouncer is not installed, so the PgBouncer (DB_PREPARED_STATEMENTS) tests are ' +
      'SKIPPED (apt-get install pgbouncer to run them)',
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The app behind Debian's PgBouncer (1.18: no prepared statements in transaction mode) with
 * `pool_mode = transaction` and two server connections, configured as docs/deployment.md ("Behind
 * PgBouncer") tells an operator: the app's timeouts in `ignore_startup_parameters`, the same
 * values on the role (here the role in this file's database only), migrations not through it.
 */
describe.skipIf(!pgbouncerBinary)(
  'behind PgBouncer in transaction mode (DB_PREPARED_STATEMENTS)',
  () => {
    let database: TestDatabase;
    let databaseName: string;
    let bouncer: PgBouncer;
    /** A direct connection to the database, past PgBouncer. */
    let direct: Client;
    let unprepared: TestApp;
    const apps: TestApp[] = [];
    let site: Site;
    let member: User;
    let heron: Interaction;
    let auth: Record<string, string>;
    let cursor: string;

    // Every app of this file signs and accepts the same tokens, so sessions made through one
    // serve requests to another.
    const keys = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });

    async function behindPgBouncer(env: Record<string, string>): Promise<TestApp> {
      const testApp = await createTestApp(
        {
          JWT_PRIVATE_KEY: keys.privateKey,
          JWT_PUBLIC_KEY: keys.publicKey,
          DB_MIGRATE: 'false',
          ...TIMEOUTS,
          ...env,
        },
        { databaseUrl: bouncer.url },
      );
      apps.push(testApp);
      return testApp;
    }

    beforeAll(async () => {
      database = await createTestDatabase();
      databaseName = new URL(database.url).pathname.slice(1);
      direct = new Client({ connectionString: database.url });
      direct.on('error', () => undefined);
      await direct.connect();
      for (const [setting, value] of [
        ['statement_timeout', TIMEOUTS.DB_STATEMENT_TIMEOUT],
        ['lock_timeout', TIMEOUTS.DB_LOCK_TIMEOUT],
        ['idle_in_transaction_session_timeout', TIMEOUTS.DB_IDLE_IN_TRANSACTION_TIMEOUT],
      ]) {
        await direct.query(
          `ALTER ROLE CURRENT_USER IN DATABASE ${databaseName} SET ${setting} = '${value}'`,
        );
      }
      bouncer = await PgBouncer.start(database.url, {
        poolSize: SERVER_CONNECTIONS,
        ignoreStartupParameters: APP_STARTUP_PARAMETERS,
      });

      unprepared = await behindPgBouncer({ DB_PREPARED_STATEMENTS: 'false' });
      site = await makeSite(unprepared.dataSource);
      member = await makeUser(unprepared.dataSource, { sites: [[site, 'member']] });
      for (const day of [1, 2, 3, 4, 5]) {
        heron = await makeInteraction(
          unprepared.dataSource,
          { site, user: member },
          {
            title: `Heron count ${day}`,
            startDatetime: new Date(Date.UTC(2025, 2, day, 9, 30)),
            endDatetime: new Date(Date.UTC(2025, 2, day, 10, 30)),
          },
        );
      }
      auth = await sessionIn(unprepared, member, site);
      const first = await unprepared.request({
        method: 'GET',
        url: '/api/v1/interactions?page_size=2',
        headers: auth,
      });
      cursor = first.json<{ next_cursor: string }>().next_cursor;
    });

    afterAll(async () => {
      for (const testApp of apps) {
        await testApp.close();
      }
      await bouncer?.stop();
      await direct?.end();
      await database?.drop();
    });

    /** The hot reads and the writes of one client, as requests. */
    function workload(headers: Record<string, string>, round: number): InjectOptions[] {
      const get = (url: string): InjectOptions => ({ method: 'GET', url, headers });
      return [
        get(`/api/v1/interactions/${heron.id}`),
        get('/api/v1/interactions'),
        get(`/api/v1/interactions?page_size=2&cursor=${encodeURIComponent(cursor)}`),
        get('/api/v1/interactions?page=2&page_size=2'),
        get('/api/v1/search/interactions?query=heron'),
        get('/api/v1/search/type/meeting'),
        get('/api/v1/search/lead/doe'),
        get('/api/v1/search/date-range?start_date=2025-03-01&end_date=2025-03-31'),
        get('/api/v1/search/upcoming'),
        get('/api/v1/search/recent'),
        {
          method: 'POST',
          url: '/api/v1/search/advanced',
          headers,
          payload: { filters: [{ field: 'title', operator: 'contains', value: 'heron' }] },
        },
        get('/api/v1/auth/profile'),
        get('/api/v1/sites'),
        get(`/api/v1/sites/${site.id}`),
        {
          method: 'POST',
          url: '/api/v1/interactions',
          headers,
          payload: { ...EXAMPLE_INTERACTION, title: `Heron survey, round ${round}` },
        },
        {
          method: 'PATCH',
          url: `/api/v1/interactions/${heron.id}`,
          headers,
          payload: { notes: `round ${round}` },
        },
      ];
    }

    const unexpected = (responses: LightMyRequestResponse[], requests: InjectOptions[]): string[] =>
      responses.flatMap((response, i) =>
        response.statusCode < 300
          ? []
          : [
              `${requests[i].method} ${requests[i].url as string}: ${response.statusCode} ${response.body}`,
            ],
      );

    it('serves logins, site selection, reads, searches and writes many at once with DB_PREPARED_STATEMENTS=false', async () => {
      const sessions = [auth];
      for (let i = 0; i < 3; i += 1) {
        sessions.push(await sessionIn(unprepared, member, site));
      }
      for (let round = 0; round < ROUNDS; round += 1) {
        const requests = [
          ...sessions.flatMap((headers) => workload(headers, round)),
          {
            method: 'POST' as const,
            url: '/api/v1/auth/login',
            payload: { username: member.username, password: 'correct-horse-battery' },
          },
          {
            method: 'POST' as const,
            url: '/api/v1/auth/site',
            headers: sessions[round % sessions.length],
            payload: { site_id: site.id },
          },
        ];
        const responses = await Promise.all(requests.map((request) => unprepared.request(request)));
        expect(unexpected(responses, requests)).toEqual([]);
      }

      // The instants come back as the API writes them: the sessions' TimeZone is the server's (UTC).
      const read = await unprepared.request({
        method: 'GET',
        url: `/api/v1/interactions/${heron.id}`,
        headers: auth,
      });
      expect(interactionOf(read)).toMatchObject({
        start_datetime: '2025-03-05T09:30:00Z',
        end_datetime: '2025-03-05T10:30:00Z',
        notes: `round ${ROUNDS - 1}`,
      });
      // The app's connections to PgBouncer outnumbered PgBouncer's to PostgreSQL: each statement
      // ran on whichever server connection was free, not on one that had prepared it.
      const pool = (unprepared.dataSource.driver as unknown as { master: Pool }).master;
      expect(pool.totalCount).toBeGreaterThan(SERVER_CONNECTIONS);
      const servers = await direct.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM pg_stat_activity
        WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
      );
      expect(servers.rows[0].count).toBeLessThanOrEqual(SERVER_CONNECTIONS);
    });

    it('fails requests through the same PgBouncer with prepared statements on (the default)', async () => {
      const prepared = await behindPgBouncer({});
      const queryErrors = vi.spyOn(prepared.dataSource.logger, 'logQueryError');
      const sessions = [auth, await sessionIn(unprepared, member, site)];
      const statuses: number[] = [];
      // Three or more of the app's connections preparing a name on two server connections: one
      // of them finds the name taken, or a later statement finds it missing. Rounds until it shows.
      for (let round = 0; round < 20 && !statuses.some((status) => status >= 500); round += 1) {
        const requests = sessions.flatMap((headers) => workload(headers, round).slice(0, 14));
        const responses = await Promise.all(requests.map((request) => prepared.request(request)));
        statuses.push(...responses.map((response) => response.statusCode));
        for (const response of responses.filter((candidate) => candidate.statusCode >= 300)) {
          expectError(response, 500, 'SERVER_ERROR');
        }
      }
      expect(statuses.filter((status) => status === 500).length).toBeGreaterThan(0);
      const messages = queryErrors.mock.calls.map(([error]) => String(error));
      expect(messages.length).toBeGreaterThan(0);
      for (const message of messages) {
        expect(message).toMatch(
          /^error: prepared statement "\w+" (does not exist|already exists)$/,
        );
      }
    });

    it('cancels in PostgreSQL the statement of a request whose client went away, through PgBouncer', async () => {
      const cancelling = await behindPgBouncer({ DB_PREPARED_STATEMENTS: 'false' });
      await cancelling.app.listen(0, '127.0.0.1');
      const baseUrl = await cancelling.app.getUrl();
      const locker = new Client({ connectionString: database.url });
      locker.on('error', () => undefined);
      await locker.connect();
      /** Statements on interactions that wait for the locker's lock. */
      const waitingReads = async (): Promise<number> => {
        const rows = await direct.query<{ count: number }>(
          `SELECT count(*)::int AS count FROM pg_stat_activity
            WHERE datname = current_database() AND state = 'active' AND wait_event_type = 'Lock'
              AND query ILIKE '%"interactions"%'`,
        );
        return rows.rows[0].count;
      };
      /** Polls up to 5 s; without a cancel the statement waits 15 s (lock and statement timeouts). */
      const waitFor = async (count: number): Promise<number> => {
        let waiting = await waitingReads();
        for (let tries = 0; waiting !== count && tries < 50; tries += 1) {
          await sleep(100);
          waiting = await waitingReads();
        }
        return waiting;
      };
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE interactions IN ACCESS EXCLUSIVE MODE');
        const client = new AbortController();
        const request = fetch(`${baseUrl}/api/v1/search/interactions?query=heron`, {
          headers: auth,
          signal: client.signal,
        }).catch((error: unknown) => error);
        expect(await waitFor(1)).toBe(1);

        client.abort();
        await request;
        // The app's CancelRequest went to PgBouncer, which passed it to the server connection
        // running the statement: nothing else would end the wait before the lock goes.
        expect(await waitFor(0)).toBe(0);
      } finally {
        await locker.query('ROLLBACK').catch(() => undefined);
        await locker.end();
      }
      const after = await cancelling.request({
        method: 'GET',
        url: '/api/v1/search/interactions?query=heron',
        headers: auth,
      });
      expect(after.statusCode).toBe(200);
    });

    it("runs the sessions with the role's timeouts, and says at start when they differ from the app's", async () => {
      const warn = vi.spyOn(Logger.prototype, 'warn');
      const app = await behindPgBouncer({ DB_PREPARED_STATEMENTS: 'false', DB_LOCK_TIMEOUT: '7s' });
      const [settings] = await app.dataSource.query<
        Array<{ statement_timeout: string; lock_timeout: string }>
      >(
        `SELECT current_setting('statement_timeout') AS statement_timeout,
              current_setting('lock_timeout') AS lock_timeout`,
      );
      // PgBouncer dropped the app's startup parameters; the role's values are in force.
      expect(settings).toEqual({ statement_timeout: '15s', lock_timeout: '15s' });
      const warnings = warn.mock.calls.map(([message]) => String(message));
      expect(warnings).toContainEqual(
        expect.stringContaining('(lock_timeout is 15000 ms, DB_LOCK_TIMEOUT 7000 ms)'),
      );
    });

    it('is refused by a PgBouncer that does not ignore the timeouts the app sends at connect', async () => {
      const strict = await PgBouncer.start(database.url, {
        poolSize: SERVER_CONNECTIONS,
        ignoreStartupParameters: [],
      });
      try {
        const client = new Client({ connectionString: strict.url, statement_timeout: 15_000 });
        client.on('error', () => undefined);
        await expect(client.connect()).rejects.toThrow(
          'unsupported startup parameter: statement_timeout',
        );
        await client.end().catch(() => undefined);
      } finally {
        await strict.stop();
      }
    });
  },
);
