import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/entities/user.entity';
import type { Interaction } from '../../src/interactions/entities/interaction.entity';
import type { Site } from '../../src/sites/entities/site.entity';
import { expectError } from '../support/auth-helpers';
import { makeInteraction, makeSite, makeUser } from '../support/factories';
import { sessionIn } from '../support/interaction-helpers';
import { readRequests, type ReadRequest } from '../support/read-requests';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * A @SiteRead() route trusts nothing this instance remembers about the session: its one statement
 * checks the session (SiteReads). Each case here changes the session in the database behind the
 * instance's back, as another instance would (logout, POST /auth/site) or an operator (CLI
 * user:disable, a revoked membership), after a read has taught the instance the session's site,
 * and then calls every @SiteRead() route.
 */
describe('session checks inside site reads', () => {
  let testApp: TestApp;
  let siteA: Site;
  let siteB: Site;
  let user: User;
  let inA: Interaction;
  let inB: Interaction;

  beforeAll(async () => {
    testApp = await createTestApp({}, { countStatements: true });
    siteA = await makeSite(testApp.dataSource);
    siteB = await makeSite(testApp.dataSource);
    user = await makeUser(testApp.dataSource, {
      sites: [
        [siteA, 'member'],
        [siteB, 'viewer'],
      ],
    });
    inA = await makeInteraction(testApp.dataSource, { site: siteA, user });
    inB = await makeInteraction(testApp.dataSource, { site: siteB, user });
    await makeInteraction(testApp.dataSource, { site: siteB, user });
  });
  afterAll(async () => {
    await testApp.close();
  });

  /** A session on site A that this instance has already read with (so it holds a site hint). */
  async function knownSession(): Promise<{ auth: Record<string, string>; sessionId: string }> {
    const auth = await sessionIn(testApp, user, siteA);
    const warm = await testApp.request({
      method: 'GET',
      url: '/api/v1/interactions',
      headers: auth,
    });
    expect(warm.statusCode).toBe(200);
    const [{ id }] = await testApp.dataSource.query<Array<{ id: string }>>(
      'SELECT id FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1',
      [user.id],
    );
    return { auth, sessionId: id };
  }

  function siteReads(auth: Record<string, string>): ReadRequest[] {
    const reads = readRequests(testApp, { site: siteA, interaction: inA }, auth).filter(
      ({ entry }) => entry.policy?.kind === 'authenticated' && entry.policy.sessionCheckedByRead,
    );
    // Every read of interactions is a site read (a broken filter would pass vacuously).
    expect(new Set(reads.map(({ entry }) => entry.route))).toEqual(
      new Set([
        'InteractionsController.list',
        'InteractionsController.get',
        'HistoryController.changes',
        'SearchController.text',
        'SearchController.advanced',
        'SearchController.dateRange',
        'SearchController.byType',
        'SearchController.byLead',
        'SearchController.upcoming',
        'SearchController.recent',
      ]),
    );
    return reads;
  }

  /**
   * Each site read after `change` (and `undo` after it), each on a session of its own that the
   * instance knows: the first refusal makes the instance forget the session, so a shared one
   * would test the statement's check on the first route only and the guard's on the others.
   */
  async function expectEveryRead(
    change: (sessionId: string) => Promise<unknown>,
    undo: () => Promise<unknown>,
    status: number,
    code: string,
  ): Promise<void> {
    const labels = siteReads({}).map(({ label }) => label);
    for (const label of labels) {
      const { auth, sessionId } = await knownSession();
      const { request } = siteReads(auth).find((read) => read.label === label)!;
      await change(sessionId);
      try {
        const { result: response, statements } = await testApp.statements!.record(() =>
          testApp.request(request),
        );
        expect({ label, statements: statements.length }).toEqual({ label, statements: 1 });
        expectError(response, status, code);
      } finally {
        await undo();
      }
    }
  }

  it('answers 200 with the site data in one statement while nothing changed', async () => {
    const { auth } = await knownSession();
    for (const { label, request } of siteReads(auth)) {
      const { result: response, statements } = await testApp.statements!.record(() =>
        testApp.request(request),
      );
      expect({ label, status: response.statusCode, statements: statements.length }).toEqual({
        label,
        status: 200,
        statements: 1,
      });
    }
  });

  const nothing = () => Promise.resolve();

  it('refuses every site read at once after the session was revoked elsewhere', async () => {
    await expectEveryRead(
      (sessionId) =>
        testApp.dataSource.query('UPDATE sessions SET revoked_at = now() WHERE id = $1', [
          sessionId,
        ]),
      nothing,
      401,
      'UNAUTHORIZED',
    );
  });

  it('refuses every site read once the session has expired', async () => {
    await expectEveryRead(
      (sessionId) =>
        testApp.dataSource.query(
          "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1",
          [sessionId],
        ),
      nothing,
      401,
      'UNAUTHORIZED',
    );
  });

  it('refuses every site read once the user is disabled', async () => {
    await expectEveryRead(
      () =>
        testApp.dataSource.query('UPDATE users SET disabled_at = now() WHERE id = $1', [user.id]),
      () =>
        testApp.dataSource.query('UPDATE users SET disabled_at = NULL WHERE id = $1', [user.id]),
      401,
      'UNAUTHORIZED',
    );
  });

  it('answers 403 SITE_CONTEXT_REQUIRED once the membership of the current site is gone', async () => {
    await expectEveryRead(
      () =>
        testApp.dataSource.query(
          'DELETE FROM site_memberships WHERE user_id = $1 AND site_id = $2',
          [user.id, siteA.id],
        ),
      () =>
        testApp.dataSource.query(
          "INSERT INTO site_memberships (user_id, site_id, role) VALUES ($1, $2, 'member')",
          [user.id, siteA.id],
        ),
      403,
      'SITE_CONTEXT_REQUIRED',
    );
  });

  it('reads the new site when another instance switched the session to it', async () => {
    const { auth, sessionId } = await knownSession();
    await testApp.dataSource.query('UPDATE sessions SET current_site_id = $1 WHERE id = $2', [
      siteB.id,
      sessionId,
    ]);
    const list = await testApp.statements!.record(() =>
      testApp.request({ method: 'GET', url: '/api/v1/interactions', headers: auth }),
    );
    // One statement found the hint stale, a second read the session's real site.
    expect(list.statements).toHaveLength(2);
    expect(list.result.statusCode).toBe(200);
    const body = list.result.json<{ interactions: Array<{ site_id: number }>; total: number }>();
    expect({
      total: body.total,
      sites: [...new Set(body.interactions.map((i) => i.site_id))],
    }).toEqual({ total: 2, sites: [siteB.id] });
    const fromA = await testApp.request({
      method: 'GET',
      url: `/api/v1/interactions/${inA.id}`,
      headers: auth,
    });
    expectError(fromA, 404, 'NOT_FOUND');
    const fromB = await testApp.statements!.record(() =>
      testApp.request({ method: 'GET', url: `/api/v1/interactions/${inB.id}`, headers: auth }),
    );
    expect({ status: fromB.result.statusCode, statements: fromB.statements.length }).toEqual({
      status: 200,
      statements: 1,
    });
  });
});
