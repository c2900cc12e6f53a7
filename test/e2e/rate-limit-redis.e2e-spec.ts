import type { LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  awayFromWindowEdge,
  expectRateLimited,
  freshIp,
  spendBudget,
} from '../support/rate-limit-helpers';
import { hasRedisServer, RedisServer } from '../support/redis-server';
import { createTestApp, type TestApp } from '../support/test-app';

const LIMIT = 6;
const AUTH_LIMIT = 3;
const WINDOW_SECONDS = 3600;

if (!hasRedisServer) {
  console.warn(
    'rate-limit-redis: redis-server is not installed, so the Redis rate-limit tests are SKIPPED ' +
      '(apt-get install redis-server to run them)',
  );
}

describe.skipIf(!hasRedisServer)('rate limits shared through Redis (REDIS_URL)', () => {
  let redis: RedisServer;
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    redis = await RedisServer.start();
    const env = {
      REDIS_URL: redis.url,
      RATE_LIMIT_ANONYMOUS: String(LIMIT),
      RATE_LIMIT_AUTH: String(AUTH_LIMIT),
      RATE_LIMIT_WINDOW: `${WINDOW_SECONDS}s`,
    };
    first = await createTestApp(env);
    second = await createTestApp(env);
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await redis?.stop();
  });
  beforeEach(async () => {
    await awayFromWindowEdge(WINDOW_SECONDS * 1000);
  });

  const jwks = (instance: TestApp, ip: string): Promise<LightMyRequestResponse> =>
    instance.request({ method: 'GET', url: '/.well-known/jwks.json', remoteAddress: ip });

  /** After Redis comes back, each instance counts there again once ioredis has reconnected. */
  async function untilCounting(instance: TestApp): Promise<void> {
    const inspector = new Redis(redis.url);
    try {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const ip = freshIp();
        await jwks(instance, ip);
        if ((await inspector.keys(`*ip:${ip}:*`)).length > 0) {
          return;
        }
        if (Date.now() > deadline) {
          throw new Error('the instance did not count in Redis again within 10 s');
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      inspector.disconnect();
    }
  }

  it('lets exactly the limit through when concurrent requests are split across two instances', async () => {
    const ip = freshIp();
    const responses = await Promise.all(
      Array.from({ length: LIMIT * 3 }, (_, i) => jwks(i % 2 === 0 ? first : second, ip)),
    );
    const statuses = responses.map((response) => response.statusCode);
    expect(statuses.filter((status) => status === 200)).toHaveLength(LIMIT);
    expect(statuses.filter((status) => status === 429)).toHaveLength(LIMIT * 2);
  });

  it('counts down one budget across the two instances, with exact headers', async () => {
    const ip = freshIp();
    let turn = 0;
    await spendBudget(() => jwks(turn++ % 2 === 0 ? first : second, ip), LIMIT, WINDOW_SECONDS);
  });

  it('reports Redis up on /health/ready', async () => {
    const response = await first.request({ method: 'GET', url: '/health/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, redis: { status: 'up' } },
    });
  });

  it('keeps limiting while Redis is down, each instance in its own memory, and /health/ready says degraded', async () => {
    await redis.stop();
    try {
      const ip = freshIp();
      for (let i = 0; i < LIMIT; i += 1) {
        const response = await jwks(first, ip);
        expect(response.statusCode).toBe(200);
        expect(response.headers['x-ratelimit-remaining']).toBe(String(LIMIT - 1 - i));
      }
      expectRateLimited(await jwks(first, ip), LIMIT);
      // The budget is per instance during the outage: the other one has its own.
      expect((await jwks(second, ip)).headers['x-ratelimit-remaining']).toBe(String(LIMIT - 1));
      const ready = await second.request({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({
        status: 'degraded',
        info: { database: { status: 'up' }, redis: { status: 'down' } },
      });
    } finally {
      await redis.restart();
    }
  });

  it('never lets logins past the auth limit while Redis is down', async () => {
    await redis.stop();
    try {
      const ip = freshIp();
      const login = () =>
        first.request({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: ip,
          payload: { username: 'nobody@example.com', password: 'wrong-password-1' },
        });
      for (let i = 0; i < AUTH_LIMIT; i += 1) {
        expect((await login()).statusCode).toBe(401);
      }
      expectRateLimited(await login(), AUTH_LIMIT);
    } finally {
      await redis.restart();
    }
  });

  it('limits again once Redis is back after an outage', async () => {
    await redis.stop();
    expect((await jwks(first, freshIp())).statusCode).toBe(200);
    await redis.restart();
    await untilCounting(first);
    await untilCounting(second);
    const ip = freshIp();
    let turn = 0;
    await spendBudget(() => jwks(turn++ % 2 === 0 ? first : second, ip), LIMIT, WINDOW_SECONDS);
  });
});
