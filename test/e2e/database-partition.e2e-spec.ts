import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Interaction } from '../../src/interactions/entities/interaction.entity';
import { expectError } from '../support/auth-helpers';
import { makeInteraction, makeSite, makeUser } from '../support/factories';
import { EXAMPLE_INTERACTION, sessionIn } from '../support/interaction-helpers';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * A network partition between the service and PostgreSQL: a TCP proxy in between stops passing
 * bytes without closing anything, so no error ever arrives and PostgreSQL's own timeouts cannot
 * help. DB_QUERY_TIMEOUT (the client's bound) and DB_CONNECT_TIMEOUT must end every wait with a
 * 503, and the service must serve again once the network heals, on new connections.
 */
describe('a network partition to PostgreSQL', () => {
  const QUERY_TIMEOUT_MS = 2_000;
  const CONNECT_TIMEOUT_MS = 1_000;
  let database: TestDatabase;
  let proxy: TcpProxy;
  let testApp: TestApp;
  let headers: Record<string, string>;
  let interaction: Interaction;

  beforeAll(async () => {
    database = await createTestDatabase();
    const url = new URL(database.url);
    proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port) });
    url.port = String(proxy.port);
    testApp = await createTestApp(
      {
        DB_POOL_SIZE: '3',
        DB_STATEMENT_TIMEOUT: '1s',
        DB_QUERY_TIMEOUT: `${QUERY_TIMEOUT_MS}ms`,
        DB_CONNECT_TIMEOUT: `${CONNECT_TIMEOUT_MS}ms`,
      },
      { databaseUrl: url.toString() },
    );
    const site = await makeSite(testApp.dataSource);
    const user = await makeUser(testApp.dataSource, { sites: [[site, 'member']] });
    headers = await sessionIn(testApp, user, site);
    interaction = await makeInteraction(testApp.dataSource, { site, user });
  });
  afterAll(async () => {
    await testApp?.close();
    await proxy?.stop();
    await database?.drop();
  });

  const read = () =>
    testApp.request({ method: 'GET', url: `/api/v1/interactions/${interaction.id}`, headers });
  // A write runs on a TypeORM query runner, not on the pool's one-statement path.
  const create = () =>
    testApp.request({
      method: 'POST',
      url: '/api/v1/interactions',
      headers,
      payload: { ...EXAMPLE_INTERACTION, title: 'Written across a partition' },
    });

  it('answers 503 within the configured timeouts while the network is black-holed, then serves again', async () => {
    expect((await read()).statusCode).toBe(200);
    proxy.blackHole();
    try {
      // On connections the pool holds (the query timeout), then on new ones (the connect timeout).
      for (const send of [read, create, read, create, read]) {
        const started = Date.now();
        const response = await send();
        const elapsed = Date.now() - started;
        expectError(response, 503, 'SERVICE_UNAVAILABLE');
        expect(response.headers['retry-after']).toBeDefined();
        // A bound far above the timeouts: without DB_QUERY_TIMEOUT the request never ends.
        expect(elapsed).toBeLessThan(QUERY_TIMEOUT_MS + CONNECT_TIMEOUT_MS + 3_000);
      }
      const ready = await testApp.request({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
    } finally {
      proxy.heal();
    }
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = (await read()).statusCode;
    }
    expect(status).toBe(200);
    // Every connection of the pool serves again: none is left waiting for an answer lost in the
    // partition (pg keeps such a statement on its connection unless the connection is closed).
    const after = [];
    for (const send of [create, read, create, read, create, read, create, read]) {
      after.push((await send()).statusCode);
    }
    expect(after).toEqual([201, 200, 201, 200, 201, 200, 201, 200]);
  });
});
