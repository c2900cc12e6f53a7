import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponseDto } from '../../src/auth/dto/login.dto';
import type { InteractionDto } from '../../src/interactions/dto/interaction.dto';
import { EXAMPLE_INTERACTION } from '../support/interaction-helpers';
import { hasRedisServer, RedisServer } from '../support/redis-server';
import { startServer, waitForUrl, type ServerProcess } from '../support/server-process';
import { hasDebianPostgres, StreamingPair } from '../support/streaming-replica';

/**
 * Two compiled instances reading from a real streaming replica of their primary (Debian's
 * PostgreSQL 15, made with pg_basebackup), sharing session write positions through Redis. The
 * replica applies commits REPLAY_DELAY_MS late, so a read it answers after a write shows
 * whether the write was waited for.
 */
const REPLAY_DELAY_MS = 2_000;
const METRICS_TOKEN = 'metrics-token-for-the-replica-test-0123456789';
const DEMO_PASSWORD = 'demo-password-123';

const missing = [
  hasDebianPostgres ? undefined : 'postgresql-15',
  hasRedisServer ? undefined : 'redis-server',
].filter((name): name is string => name !== undefined);
if (missing.length > 0) {
  console.warn(
    `replicas: ${missing.join(' and ')} not installed, so the replica tests are SKIPPED ` +
      '(apt-get install postgresql-15 redis-server to run them)',
  );
}

interface Instance {
  server: ServerProcess;
  url: string;
}

describe.skipIf(missing.length > 0)('reads from a streaming replica', () => {
  let pair: StreamingPair | undefined;
  let redis: RedisServer | undefined;
  const instances: Instance[] = [];
  const dirs: string[] = [];
  let first: Instance;
  let second: Instance;
  let strict: Instance;

  beforeAll(async () => {
    pair = await StreamingPair.start();
    redis = await RedisServer.start();
    const keys = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const env = {
      DATABASE_URL: pair.primaryUrl,
      DATABASE_REPLICA_URLS: pair.replicaUrl,
      REDIS_URL: redis.url,
      JWT_PRIVATE_KEY: keys.privateKey,
      JWT_PUBLIC_KEY: keys.publicKey,
      METRICS_TOKEN,
      HOST: '127.0.0.1',
      PORT: '0',
      SEED_DEMO: 'true',
      SHUTDOWN_READY_DELAY: '0s',
      RATE_LIMIT_AUTH: '1000',
      RATE_LIMIT_AUTHENTICATED: '100000',
      RATE_LIMIT_SEARCH: '100000',
      // The replica is REPLAY_DELAY_MS behind by design; this much lag is accepted.
      DB_REPLICA_MAX_LAG: '60s',
    };
    const start = async (extra: Record<string, string> = {}) => {
      const dataDir = await mkdtemp(join(tmpdir(), 'ims-replica-app-'));
      dirs.push(dataDir);
      const server = startServer({ ...env, DATA_DIR: dataDir, ...extra });
      const instance = { server, url: '' };
      instances.push(instance);
      instance.url = await waitForUrl(server.output, 60_000);
      return instance;
    };
    // The first one migrates and seeds; the replica then has it all before the delay is set.
    first = await start();
    [second, strict] = await Promise.all([
      start(),
      // Skips a replica more than 500 ms behind: under a steady stream of writes, always.
      start({ DB_REPLICA_MAX_LAG: '500ms' }),
    ]);
    await pair.delayReplay(REPLAY_DELAY_MS);
  });

  afterAll(async () => {
    await Promise.allSettled(
      instances.map(async ({ server }) => {
        server.child.kill('SIGTERM');
        await server.exit;
      }),
    );
    await redis?.stop();
    await pair?.stop();
    await Promise.allSettled(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('serves site reads and searches from the replica once it has the session', async () => {
    const token = await loginAs(first, 'bob@example.com');
    const before = await readsServed(first);
    await eventually(async () => {
      const list = await call(first, 'GET', '/api/v1/interactions?page_size=5', token);
      expect(list.status).toBe(200);
      const search = await call(first, 'GET', '/api/v1/search/interactions?query=meet', token);
      expect(search.status).toBe(200);
      expect((await readsServed(first)).replica).toBeGreaterThanOrEqual(before.replica + 2);
    });
  });

  it("reads a session's own write at once on either instance while the replica is behind, and others see it once replayed", async () => {
    const writer = await loginAs(first, 'alice@example.com', 1);
    const reader = await loginAs(second, 'admin@example.com', 1);
    // Both sessions' own writes (the site selections) are replayed before the test writes.
    await eventually(async () => {
      const served = (await readsServed(second)).replica;
      expect((await call(second, 'GET', '/api/v1/interactions', reader)).status).toBe(200);
      expect((await readsServed(second)).replica).toBe(served + 1);
    });

    const created = await call(first, 'POST', '/api/v1/interactions', writer, {
      ...EXAMPLE_INTERACTION,
      title: 'Written on the primary',
    });
    expect(created.status).toBe(201);
    const id = (created.body as { interaction: InteractionDto }).interaction.id;

    const ownOnSecond = await call(second, 'GET', `/api/v1/interactions/${id}`, writer);
    expect(ownOnSecond.status).toBe(200);
    const ownOnFirst = await call(first, 'GET', `/api/v1/interactions/${id}`, writer);
    expect(ownOnFirst.status).toBe(200);

    // Another session reads from the replica, which has not replayed the write yet.
    const otherSession = await call(second, 'GET', `/api/v1/interactions/${id}`, reader);
    expect(otherSession.status).toBe(404);
    await eventually(async () => {
      expect((await call(second, 'GET', `/api/v1/interactions/${id}`, reader)).status).toBe(200);
    });
  });

  it('skips a replica that is further behind than DB_REPLICA_MAX_LAG', async () => {
    const writer = await loginAs(first, 'alice@example.com', 2);
    const reader = await loginAs(strict, 'admin@example.com', 2);
    await eventually(async () => {
      const served = (await readsServed(strict)).replica;
      expect((await call(strict, 'GET', '/api/v1/interactions', reader)).status).toBe(200);
      expect((await readsServed(strict)).replica).toBe(served + 1);
    });
    // A write every 100 ms keeps the replica REPLAY_DELAY_MS behind the primary.
    let writing = true;
    const writes = (async () => {
      while (writing) {
        await call(first, 'POST', '/api/v1/interactions', writer, EXAMPLE_INTERACTION);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    try {
      await new Promise((resolve) => setTimeout(resolve, REPLAY_DELAY_MS));
      const before = await readsServed(strict);
      for (let i = 0; i < 10; i += 1) {
        expect((await call(strict, 'GET', '/api/v1/interactions', reader)).status).toBe(200);
      }
      const after = await readsServed(strict);
      expect(after.replica).toBe(before.replica);
      expect(after.primary).toBe(before.primary + 10);
    } finally {
      writing = false;
      await writes;
    }
  });

  it('reads from the primary while the replica is down, and from the replica again once it is back', async () => {
    const token = await loginAs(second, 'bob@example.com');
    await eventually(async () => {
      const served = (await readsServed(second)).replica;
      expect((await call(second, 'GET', '/api/v1/interactions', token)).status).toBe(200);
      expect((await readsServed(second)).replica).toBe(served + 1);
    });

    await pair!.stopReplica();
    try {
      const statuses = [];
      for (let i = 0; i < 20; i += 1) {
        statuses.push((await call(second, 'GET', '/api/v1/interactions', token)).status);
        statuses.push(
          (await call(first, 'GET', '/api/v1/search/interactions?query=sync', token)).status,
        );
      }
      expect(new Set(statuses)).toEqual(new Set([200]));
    } finally {
      await pair!.startReplica();
    }
    await eventually(async () => {
      const served = (await readsServed(second)).replica;
      expect((await call(second, 'GET', '/api/v1/interactions', token)).status).toBe(200);
      expect((await readsServed(second)).replica).toBe(served + 1);
    }, 30_000);
  });
});

async function call(
  instance: Instance,
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${instance.url}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

async function loginAs(instance: Instance, email: string, siteId?: number): Promise<string> {
  const login = await call(instance, 'POST', '/api/v1/auth/login', undefined, {
    username: email,
    password: DEMO_PASSWORD,
  });
  expect(login.status).toBe(200);
  const { token } = login.body as LoginResponseDto;
  if (siteId !== undefined) {
    expect(
      (await call(instance, 'POST', '/api/v1/auth/site', token, { site_id: siteId })).status,
    ).toBe(200);
  }
  return token;
}

/** The instance's count of site reads by the server that answered them (GET /metrics). */
async function readsServed(instance: Instance): Promise<{ replica: number; primary: number }> {
  const response = await fetch(`${instance.url}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  const text = await response.text();
  const value = (server: string) =>
    Number(new RegExp(`^db_site_reads_total\\{server="${server}"\\} (\\d+)`, 'm').exec(text)?.[1]);
  return { replica: value('replica'), primary: value('primary') };
}

async function eventually(check: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
