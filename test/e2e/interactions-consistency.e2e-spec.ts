import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/entities/user.entity';
import type { Site } from '../../src/sites/entities/site.entity';
import { expectError } from '../support/auth-helpers';
import { makeInteraction, makeSite, makeUser } from '../support/factories';
import { EXAMPLE_INTERACTION, interactionOf, sessionIn } from '../support/interaction-helpers';
import { createTestApp, type TestApp } from '../support/test-app';

describe('interactions: lost updates, retries and hostile bodies', () => {
  let testApp: TestApp;
  let site: Site;
  let manager: User;
  let auth: Record<string, string>;

  beforeAll(async () => {
    testApp = await createTestApp();
    site = await makeSite(testApp.dataSource);
    manager = await makeUser(testApp.dataSource, { sites: [[site, 'manager']] });
    auth = await sessionIn(testApp, manager, site);
  });
  afterAll(async () => {
    await testApp.close();
  });
  beforeEach(async () => {
    await testApp.dataSource.query('DELETE FROM interactions');
    await testApp.dataSource.query('DELETE FROM idempotency_keys');
  });

  const countRows = async () =>
    Number(
      (
        await testApp.dataSource.query<Array<{ count: string }>>(
          'SELECT count(*) FROM interactions',
        )
      )[0].count,
    );

  describe('ETag and If-Match', () => {
    const record = () => makeInteraction(testApp.dataSource, { site, user: manager });

    it('applies a PUT whose If-Match is the current ETag and returns the next ETag', async () => {
      const current = await record();
      const response = await testApp.request({
        method: 'PUT',
        url: `/api/v1/interactions/${current.id}`,
        headers: { ...auth, 'if-match': `"${current.id}.1"` },
        payload: EXAMPLE_INTERACTION,
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers.etag).toBe(`"${current.id}.2"`);
    });

    for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
      it(`refuses a ${method} with a stale If-Match with 412 and changes nothing`, async () => {
        const current = await record();
        await testApp.request({
          method: 'PATCH',
          url: `/api/v1/interactions/${current.id}`,
          headers: auth,
          payload: { notes: 'someone else edited first' },
        });
        const response = await testApp.request({
          method,
          url: `/api/v1/interactions/${current.id}`,
          headers: { ...auth, 'if-match': `"${current.id}.1"` },
          payload:
            method === 'PUT'
              ? EXAMPLE_INTERACTION
              : method === 'PATCH'
                ? { notes: 'my edit' }
                : undefined,
        });
        expectError(response, 412, 'PRECONDITION_FAILED');
        const [row] = await testApp.dataSource.query<Array<{ notes: string; version: number }>>(
          'SELECT notes, version FROM interactions WHERE id = $1',
          [current.id],
        );
        expect(row).toEqual({ notes: 'someone else edited first', version: 2 });
      });
    }

    it('lets exactly one of two editors holding the same ETag win', async () => {
      const current = await record();
      const edit = (notes: string) =>
        testApp.request({
          method: 'PATCH',
          url: `/api/v1/interactions/${current.id}`,
          headers: { ...auth, 'if-match': `"${current.id}.1"` },
          payload: { notes },
        });
      const statuses = (await Promise.all([edit('first'), edit('second')])).map(
        (response) => response.statusCode,
      );
      expect(statuses.sort()).toEqual([200, 412]);
    });

    it('accepts If-Match: * for an existing record', async () => {
      const current = await record();
      const response = await testApp.request({
        method: 'DELETE',
        url: `/api/v1/interactions/${current.id}`,
        headers: { ...auth, 'if-match': '*' },
      });
      expect(response.statusCode).toBe(200);
    });
  });

  describe('Idempotency-Key', () => {
    const post = (key: string, payload: object = EXAMPLE_INTERACTION) =>
      testApp.request({
        method: 'POST',
        url: '/api/v1/interactions',
        headers: { ...auth, 'idempotency-key': key },
        payload,
      });

    it('replays the first 201 body for a retry with the same key and body, creating nothing', async () => {
      const first = await post('retry-1');
      const second = await post('retry-1');
      expect(first.statusCode).toBe(201);
      expect(second.statusCode).toBe(201);
      expect(second.json()).toEqual(first.json());
      expect(second.headers.etag).toBe(first.headers.etag);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(await countRows()).toBe(1);
    });

    it('answers 422 IDEMPOTENCY_KEY_REUSED for the same key with another body', async () => {
      await post('reuse-1');
      const response = await post('reuse-1', {
        ...EXAMPLE_INTERACTION,
        title: 'A different title',
      });
      expectError(response, 422, 'IDEMPOTENCY_KEY_REUSED');
      expect(await countRows()).toBe(1);
    });

    it('creates exactly one row for two concurrent requests with one key', async () => {
      const responses = await Promise.all([post('race-1'), post('race-1'), post('race-1')]);
      expect(responses.map((response) => response.statusCode)).toEqual([201, 201, 201]);
      const ids = new Set(responses.map((response) => interactionOf(response).id));
      expect(ids.size).toBe(1);
      expect(await countRows()).toBe(1);
    });

    it('keeps keys per user: another user may use the same key', async () => {
      const colleague = await makeUser(testApp.dataSource, { sites: [[site, 'member']] });
      const colleagueAuth = await sessionIn(testApp, colleague, site);
      await post('shared-key');
      const response = await testApp.request({
        method: 'POST',
        url: '/api/v1/interactions',
        headers: { ...colleagueAuth, 'idempotency-key': 'shared-key' },
        payload: EXAMPLE_INTERACTION,
      });
      expect(response.statusCode).toBe(201);
      expect(response.headers['idempotent-replayed']).toBeUndefined();
      expect(await countRows()).toBe(2);
    });

    it('treats a key older than 24 hours as new', async () => {
      await post('old-key');
      await testApp.dataSource.query(
        `UPDATE idempotency_keys SET expires_at = now() - interval '1 second'`,
      );
      const response = await post('old-key', {
        ...EXAMPLE_INTERACTION,
        title: 'Created a day later',
      });
      expect(response.statusCode).toBe(201);
      expect(await countRows()).toBe(2);
    });

    it('does not burn the key on a body that fails validation', async () => {
      expectError(
        await post('fix-and-retry', { ...EXAMPLE_INTERACTION, title: 'x' }),
        422,
        'VALIDATION_ERROR',
      );
      expect((await post('fix-and-retry')).statusCode).toBe(201);
    });

    it('answers 400 for a key that is empty or too long', async () => {
      expectError(await post('x'.repeat(256)), 400, 'BAD_REQUEST');
      expectError(await post('with space'), 400, 'BAD_REQUEST');
    });
  });

  describe('random bodies', () => {
    const anyJson = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record(
        {
          title: fc.oneof(fc.string({ maxLength: 120 }), fc.jsonValue({ maxDepth: 1 })),
          type: fc.oneof(
            fc.constantFrom('Meeting', 'call', 'EMAIL', 'Lunch'),
            fc.jsonValue({ maxDepth: 1 }),
          ),
          lead: fc.oneof(fc.string({ maxLength: 110 }), fc.constant(null)),
          start_datetime: fc.oneof(
            fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
            fc.string({ maxLength: 30 }),
            fc.constant('2023-03-12T02:30:00'),
          ),
          end_datetime: fc.oneof(
            fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
            fc.string(),
          ),
          timezone: fc.constantFrom('UTC', 'America/New_York', 'Mars/Base', '', 'Etc/GMT+14'),
          location: fc.oneof(fc.string({ maxLength: 210 }), fc.constant(null), fc.integer()),
          unexpected: fc.jsonValue({ maxDepth: 1 }),
        },
        { requiredKeys: [] },
      ),
    );

    it('answers every random POST and PUT body with 2xx or an enveloped 4xx, never 500, adding rows only on 201', async () => {
      const target = interactionOf(
        await testApp.request({
          method: 'POST',
          url: '/api/v1/interactions',
          headers: auth,
          payload: EXAMPLE_INTERACTION,
        }),
      );
      await fc.assert(
        fc.asyncProperty(anyJson, fc.constantFrom('POST', 'PUT'), async (body, method) => {
          const before = await countRows();
          const response = await testApp.request({
            method,
            url: method === 'POST' ? '/api/v1/interactions' : `/api/v1/interactions/${target.id}`,
            headers: { ...auth, 'content-type': 'application/json' },
            payload: JSON.stringify(body),
          });
          const after = await countRows();
          if (response.statusCode >= 400) {
            expect(response.statusCode).toBeLessThan(500);
            expect(response.json<{ error: { code: string } }>().error.code).toMatch(/^[A-Z_]+$/);
          } else {
            expect([200, 201]).toContain(response.statusCode);
          }
          expect(after - before).toBe(response.statusCode === 201 ? 1 : 0);
        }),
        { numRuns: 150 },
      );
    });
  });
});
