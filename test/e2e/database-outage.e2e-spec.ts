import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/database/embedded-postgres';
import { expectError } from '../support/auth-helpers';
import { makeSite, makeUser } from '../support/factories';
import { EXAMPLE_INTERACTION, sessionIn } from '../support/interaction-helpers';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * A PostgreSQL of its own (the shared one serves the other test files), stopped and started again
 * under a running app.
 */
describe('when the database goes away and comes back', () => {
  let dataDir: string;
  let database: EmbeddedDatabase;
  let testApp: TestApp;
  let auth: Record<string, string>;

  const startDatabase = async () => {
    database = await startEmbeddedPostgres(dataDir, port, () => undefined);
  };
  let port: number;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ims-outage-'));
    database = await startEmbeddedPostgres(dataDir, 0, () => undefined);
    port = Number(new URL(database.url).port);
    testApp = await createTestApp({}, { databaseUrl: database.url });
    const site = await makeSite(testApp.dataSource);
    const user = await makeUser(testApp.dataSource, { sites: [[site, 'member']] });
    auth = await sessionIn(testApp, user, site);
  });
  afterAll(async () => {
    await testApp?.close();
    await database?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers 503 SERVICE_UNAVAILABLE with Retry-After while it is down, then recovers by itself', async () => {
    expect(
      (await testApp.request({ method: 'GET', url: '/api/v1/interactions', headers: auth }))
        .statusCode,
    ).toBe(200);

    await database.stop();
    for (const url of ['/api/v1/interactions', '/api/v1/auth/profile', '/api/v1/search/upcoming']) {
      const response = await testApp.request({ method: 'GET', url, headers: auth });
      expectError(response, 503, 'SERVICE_UNAVAILABLE');
      expect(response.headers['retry-after']).toBe('5');
      expect(response.body).not.toMatch(/ECONNREFUSED|postgres|terminat/i);
    }
    const ready = await testApp.request({ method: 'GET', url: '/health/ready' });
    expectError(ready, 503, 'SERVICE_UNAVAILABLE');
    expect((await testApp.request({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);

    await startDatabase();
    expect((await testApp.request({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    expect(
      (await testApp.request({ method: 'GET', url: '/api/v1/interactions', headers: auth }))
        .statusCode,
    ).toBe(200);
  });

  it('loses no accepted write when the database restarts under concurrent creates', async () => {
    const accepted = new Map<number, string>();
    const refused: string[] = [];
    let attempt = 0;
    let restarted = false;
    const createOne = async (): Promise<void> => {
      attempt += 1;
      const title = `Restart probe ${attempt}`;
      const response = await testApp.request({
        method: 'POST',
        url: '/api/v1/interactions',
        headers: auth,
        payload: { ...EXAMPLE_INTERACTION, title },
      });
      if (response.statusCode === 201) {
        accepted.set(response.json<{ interaction: { id: number } }>().interaction.id, title);
      } else {
        expect(response.statusCode, response.body).toBe(503);
        refused.push(title);
      }
    };
    const worker = async (): Promise<void> => {
      while (attempt < 300) {
        await createOne();
        if (accepted.size >= 50 && !restarted) {
          restarted = true;
          await database.stop();
          await Promise.all([createOne(), createOne(), createOne()]);
          await startDatabase();
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));

    expect(refused.length).toBeGreaterThan(0);
    const rows = await testApp.dataSource.query<Array<{ id: string; title: string }>>(
      `SELECT id, title FROM interactions WHERE title LIKE 'Restart probe %'`,
    );
    const stored = new Map(rows.map((row) => [Number(row.id), row.title]));
    for (const [id, title] of accepted) {
      expect(stored.get(id), `201 for ${title} but no row ${id}`).toBe(title);
    }
    // A request can fail after its transaction committed (the connection dropped before the answer);
    // such a row is complete, and it can only be one of the refused requests.
    const unexplained = rows.filter(
      (row) => !accepted.has(Number(row.id)) && !refused.includes(row.title),
    );
    expect(unexplained).toEqual([]);
  });
});
