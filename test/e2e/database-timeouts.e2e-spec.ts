import type { QueryRunner } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Interaction } from '../../src/interactions/entities/interaction.entity';
import { expectError } from '../support/auth-helpers';
import { makeInteraction, makeSite, makeUser } from '../support/factories';
import { sessionIn } from '../support/interaction-helpers';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * DB_STATEMENT_TIMEOUT and DB_CONNECT_TIMEOUT bound how long a request can wait on the database:
 * past them it gets 503 with Retry-After, never a hang or a 500. The waits are made with a row
 * lock and a drained pool that the test holds, so nothing depends on timing luck.
 */
describe('database timeouts', () => {
  let testApp: TestApp;
  let headers: Record<string, string>;
  let interaction: Interaction;
  let held: QueryRunner[] = [];

  beforeAll(async () => {
    testApp = await createTestApp({
      DB_POOL_SIZE: '2',
      DB_STATEMENT_TIMEOUT: '1s',
      DB_CONNECT_TIMEOUT: '2s',
    });
    const site = await makeSite(testApp.dataSource);
    const user = await makeUser(testApp.dataSource, { sites: [[site, 'manager']] });
    headers = await sessionIn(testApp, user, site);
    interaction = await makeInteraction(testApp.dataSource, { site, user });
  });

  afterEach(async () => {
    for (const runner of held) {
      if (runner.isTransactionActive) {
        await runner.rollbackTransaction();
      }
      await runner.release();
    }
    held = [];
  });

  afterAll(async () => {
    await testApp?.close();
  });

  async function holdConnection(): Promise<QueryRunner> {
    const runner = testApp.dataSource.createQueryRunner();
    await runner.connect();
    held.push(runner);
    return runner;
  }

  it('cancels a statement that waits longer than DB_STATEMENT_TIMEOUT and answers 503', async () => {
    const locker = await holdConnection();
    await locker.startTransaction();
    await locker.query('SELECT id FROM interactions WHERE id = $1 FOR UPDATE', [interaction.id]);

    const response = await testApp.request({
      method: 'DELETE',
      url: `/api/v1/interactions/${interaction.id}`,
      headers,
    });
    expectError(response, 503, 'SERVICE_UNAVAILABLE');
    expect(response.headers['retry-after']).toMatch(/^\d+$/);

    await locker.rollbackTransaction();
    const stillThere = await testApp.request({
      method: 'GET',
      url: `/api/v1/interactions/${interaction.id}`,
      headers,
    });
    expect(stillThere.statusCode).toBe(200);
  });

  it('answers 503 when no connection frees up within DB_CONNECT_TIMEOUT, and serves again after', async () => {
    await holdConnection();
    await holdConnection();
    const starved = await testApp.request({ method: 'GET', url: '/api/v1/interactions', headers });
    expectError(starved, 503, 'SERVICE_UNAVAILABLE');
    expect(starved.headers['retry-after']).toMatch(/^\d+$/);

    await held.pop()!.release();
    const served = await testApp.request({ method: 'GET', url: '/api/v1/interactions', headers });
    expect(served.statusCode).toBe(200);
  });
});
