import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRateLimited, freshIp } from '../support/rate-limit-helpers';
import { hasRedisServer, RedisServer } from '../support/redis-server';
import { createTestApp, type TestApp } from '../support/test-app';

const LIMIT = 4;

/**
 * REDIS_URL with a password (`redis://:password@host:port`, docs/deployment.md): the instances
 * authenticate and share their counters; a wrong password leaves Redis down for them, which the
 * readiness check says, instead of counting nowhere in silence.
 */
describe.skipIf(!hasRedisServer)('rate limits through a Redis that requires a password', () => {
  const password = 'p@ss word/with:specials';
  let redis: RedisServer;
  let first: TestApp;
  let second: TestApp;
  let wrong: TestApp;
  let inspector: Redis;

  beforeAll(async () => {
    redis = await RedisServer.start({ password });
    const env = { RATE_LIMIT_ANONYMOUS: String(LIMIT), RATE_LIMIT_WINDOW: '3600s' };
    first = await createTestApp({ ...env, REDIS_URL: redis.url });
    second = await createTestApp({ ...env, REDIS_URL: redis.url });
    wrong = await createTestApp({
      ...env,
      REDIS_URL: `redis://:not-the-password@127.0.0.1:${redis.port}`,
    });
    inspector = new Redis(redis.url);
  });
  afterAll(async () => {
    inspector?.disconnect();
    await first?.close();
    await second?.close();
    await wrong?.close();
    await redis?.stop();
  });

  const jwks = (instance: TestApp, ip: string) =>
    instance.request({ method: 'GET', url: '/.well-known/jwks.json', remoteAddress: ip });

  it('shares one budget across two instances through the authenticated connection', async () => {
    const ip = freshIp();
    for (let i = 0; i < LIMIT; i += 1) {
      expect((await jwks(i % 2 === 0 ? first : second, ip)).statusCode).toBe(200);
    }
    expectRateLimited(await jwks(second, ip), LIMIT);
    expect(await inspector.dbsize()).toBeGreaterThan(0);
  });

  it('reports Redis down on /health/ready when the password is wrong', async () => {
    const ready = await wrong.request({ method: 'GET', url: '/health/ready' });
    expect(ready.json()).toMatchObject({
      status: 'degraded',
      info: { database: { status: 'up' }, redis: { status: 'down' } },
    });
  });
});
