import type { InjectOptions } from 'fastify';
import { QueryFailedError } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/entities/user.entity';
import { runStatement } from '../../src/database/statement';
import { bearer, login } from '../support/auth-helpers';
import { makeInteraction, makeSite, makeUser } from '../support/factories';
import { EXAMPLE_INTERACTION, interactionOf, sessionIn } from '../support/interaction-helpers';
import { readRequests, type ReadFixture } from '../support/read-requests';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 8: every read costs at most two SQL statements (the session lookup of the access guard,
 * then one statement for the data; a page carries its total in the same statement), and a read of
 * interactions (@SiteRead) one, its session check included, once the instance knows the session's
 * site. Each statement is a round trip to PostgreSQL, the largest per-request cost in the
 * benchmark profile.
 */
const MAX_READ_STATEMENTS = 2;
const SITE_READ_STATEMENTS = 1;

/**
 * Writes may take more: a transaction adds START TRANSACTION and COMMIT. The numbers measured
 * when this test was written (2026-11-25), as upper bounds (creates measured again after their rewrite); "session" is the access guard's lookup.
 */
const WRITE_BUDGETS = {
  // session, INSERT … RETURNING the stored row (its audit event in the same statement)
  'POST /interactions': 2,
  // session, START, INSERT idempotency key, INSERT … RETURNING, UPDATE key's response, COMMIT
  'POST /interactions (Idempotency-Key)': 6,
  // session, START, SELECT … FOR UPDATE, UPDATE, SELECT the stored row, INSERT audit event, COMMIT
  'PUT /interactions/{id}': 7,
  'PATCH /interactions/{id}': 7,
  // session, START, SELECT … FOR UPDATE, move to the trash, INSERT audit event, COMMIT
  'DELETE /interactions/{id}': 6,
  // user, memberships, START, INSERT session, INSERT audit event, INSERT refresh token, COMMIT
  // (public: no session)
  'POST /auth/login': 7,
  // START, UPDATE refresh token (use it), SELECT session, UPDATE session, INSERT refresh token, COMMIT
  'POST /auth/refresh': 6,
  // session, membership EXISTS, UPDATE session with its audit event
  'POST /auth/site': 3,
  // session, UPDATE session with its audit event
  'POST /auth/logout': 2,
};

describe('SQL statements per request', () => {
  let testApp: TestApp;
  let fixture: ReadFixture;
  let member: User;
  let auth: Record<string, string>;

  beforeAll(async () => {
    testApp = await createTestApp({}, { countStatements: true });
    const site = await makeSite(testApp.dataSource);
    const other = await makeSite(testApp.dataSource);
    member = await makeUser(testApp.dataSource, {
      sites: [
        [site, 'manager'],
        [other, 'viewer'],
      ],
    });
    const interaction = await makeInteraction(testApp.dataSource, { site, user: member });
    await makeInteraction(testApp.dataSource, { site, user: member });
    fixture = { site, interaction };
    auth = await sessionIn(testApp, member, site);
  });
  afterAll(async () => {
    await testApp.close();
  });

  /** The statements one request sends, and its response. */
  async function count(request: InjectOptions) {
    const { result: response, statements } = await testApp.statements!.record(() =>
      testApp.request(request),
    );
    return { response, statements };
  }

  it('counts every statement of a request, the session lookup included', async () => {
    const read = {
      method: 'GET' as const,
      url: `/api/v1/interactions/${fixture.interaction.id}`,
      headers: auth,
    };
    // The instance has not seen this session on a site yet: the guard looks it up.
    const first = await count(read);
    expect(first.response.statusCode).toBe(200);
    expect(first.statements).toEqual([
      { name: 'principal_session', text: expect.stringMatching(/FROM sessions/) as string },
      { name: 'interaction_in_site', text: expect.stringMatching(/FROM "interactions"/) as string },
    ]);
    // Now it has: the read checks the session in its own statement.
    const second = await count(read);
    expect(second.response.statusCode).toBe(200);
    expect(second.statements).toEqual([
      {
        name: 'interaction_in_site_session_checked',
        text: expect.stringMatching(/FROM sessions.*FROM "interactions"/s) as string,
      },
    ]);
  });

  it('sends a named statement as a prepared statement of the connection', async () => {
    const runner = testApp.dataSource.createQueryRunner();
    try {
      await runStatement(runner, {
        name: 'statement_count_probe',
        text: 'SELECT $1::int AS one',
        values: [1],
      });
      const prepared = (await runner.query(
        "SELECT statement FROM pg_prepared_statements WHERE name = 'statement_count_probe'",
      )) as Array<{ statement: string }>;
      expect(prepared).toEqual([{ statement: 'SELECT $1::int AS one' }]);
    } finally {
      await runner.release();
    }
  });

  it('runs a statement given the DataSource on the pool: logged, and failures as TypeORM raises them', async () => {
    const { result, statements } = await testApp.statements!.record(() =>
      runStatement<Array<{ one: number }>>(testApp.dataSource, {
        name: 'statement_pool_probe',
        text: 'SELECT $1::int AS one',
        values: [1],
      }),
    );
    expect(result).toEqual([{ one: 1 }]);
    expect(statements).toEqual([{ name: 'statement_pool_probe', text: 'SELECT $1::int AS one' }]);

    const failure = await runStatement(testApp.dataSource, {
      text: 'SELECT 1 / $1::int',
      values: [0],
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QueryFailedError);
    expect((failure as QueryFailedError).driverError).toMatchObject({ code: '22012' });
    expect((failure as QueryFailedError).parameters).toEqual([0]);
  });

  it(`answers every read with at most ${MAX_READ_STATEMENTS} statements, a site read with ${SITE_READ_STATEMENTS}`, async () => {
    // A first read tells the instance the session's site (see the test above).
    await testApp.request({ method: 'GET', url: '/api/v1/interactions', headers: auth });
    const measured: Array<{ label: string; status: number; statements: number }> = [];
    const problems: string[] = [];
    for (const { label, entry, request } of readRequests(testApp, fixture, auth)) {
      const { response, statements } = await count(request);
      measured.push({ label, status: response.statusCode, statements: statements.length });
      const budget =
        entry.policy?.kind === 'authenticated' && entry.policy.sessionCheckedByRead
          ? SITE_READ_STATEMENTS
          : MAX_READ_STATEMENTS;
      if (response.statusCode < 200 || response.statusCode > 299) {
        problems.push(
          `${label} answered ${response.statusCode}: give it a valid request in READ_REQUESTS`,
        );
      } else if (statements.length > budget) {
        problems.push(
          `${label} sent ${statements.length} statements:\n  ${statements.map((statement) => statement.text).join('\n  ')}`,
        );
      }
    }
    console.table(measured);
    expect(problems).toEqual([]);
    // The routes of every read module were exercised (a broken listRoutes would pass vacuously).
    expect(measured.map((entry) => entry.label)).toEqual(
      expect.arrayContaining([
        'GET /api/v1/interactions',
        `GET /api/v1/interactions/${fixture.interaction.id}`,
        'GET /api/v1/search/upcoming',
        'POST /api/v1/search/advanced',
        'GET /api/v1/auth/profile',
        'GET /api/v1/sites',
        `GET /api/v1/sites/${fixture.site.id}`,
      ]),
    );
  });

  it('keeps every write within its measured number of statements', async () => {
    const measured: Record<keyof typeof WRITE_BUDGETS, number> = {} as never;
    const run = async (
      label: keyof typeof WRITE_BUDGETS,
      request: InjectOptions,
      status: number,
    ) => {
      const { response, statements } = await count(request);
      expect({ label, status: response.statusCode, body: response.json<unknown>() }).toMatchObject({
        label,
        status,
      });
      measured[label] = statements.length;
      return response;
    };

    const created = interactionOf(
      await run(
        'POST /interactions',
        {
          method: 'POST',
          url: '/api/v1/interactions',
          headers: auth,
          payload: EXAMPLE_INTERACTION,
        },
        201,
      ),
    );
    await run(
      'POST /interactions (Idempotency-Key)',
      {
        method: 'POST',
        url: '/api/v1/interactions',
        headers: { ...auth, 'idempotency-key': 'statement-count-1' },
        payload: EXAMPLE_INTERACTION,
      },
      201,
    );
    const url = `/api/v1/interactions/${created.id}`;
    await run(
      'PUT /interactions/{id}',
      {
        method: 'PUT',
        url,
        headers: auth,
        payload: { ...EXAMPLE_INTERACTION, title: 'Replaced title' },
      },
      200,
    );
    await run(
      'PATCH /interactions/{id}',
      { method: 'PATCH', url, headers: auth, payload: { title: 'Patched' } },
      200,
    );
    await run('DELETE /interactions/{id}', { method: 'DELETE', url, headers: auth }, 200);

    const session = await login(testApp, member);
    const loggedIn = await run(
      'POST /auth/login',
      {
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: member.username, password: 'correct-horse-battery' },
      },
      200,
    );
    await run(
      'POST /auth/refresh',
      {
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refresh_token: loggedIn.json<{ refresh_token: string }>().refresh_token },
      },
      200,
    );
    await run(
      'POST /auth/site',
      {
        method: 'POST',
        url: '/api/v1/auth/site',
        headers: bearer(session.token),
        payload: { site_id: fixture.site.id },
      },
      200,
    );
    await run(
      'POST /auth/logout',
      { method: 'POST', url: '/api/v1/auth/logout', headers: bearer(session.token), payload: {} },
      200,
    );

    console.table(
      Object.entries(measured).map(([label, statements]) => ({
        label,
        statements,
        budget: WRITE_BUDGETS[label as keyof typeof WRITE_BUDGETS],
      })),
    );
    const over = Object.entries(measured).filter(
      ([label, statements]) => statements > WRITE_BUDGETS[label as keyof typeof WRITE_BUDGETS],
    );
    expect(over).toEqual([]);
  });
});
