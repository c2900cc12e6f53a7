import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedisServer, RedisServer, type RedisTls } from '../support/redis-server';
import { startServer, waitForUrl, type ServerProcess } from '../support/server-process';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const run = promisify(execFile);
const LIMIT = 3;
const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
if (!hasOpenssl) {
  console.warn('redis TLS: openssl not installed, so the TLS tests are SKIPPED');
}

/**
 * REDIS_URL `rediss://` (docs/deployment.md): TLS to Redis, the server's certificate verified.
 * The certificate here is signed by a CA of the test's own, which a process trusts through
 * NODE_EXTRA_CA_CERTS (read once at start, hence a process per case); without it the connection
 * is refused and /health/ready says Redis is down.
 */
describe.skipIf(!hasRedisServer || !hasOpenssl)('rate limits through Redis over TLS', () => {
  let dir: string;
  let tls: RedisTls;
  let redis: RedisServer;
  let database: TestDatabase;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ims-redis-tls-'));
    tls = await certificateFor127001(dir);
    redis = await RedisServer.start({ tls });
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.allSettled(
      servers.map(async (server) => {
        server.child.kill('SIGTERM');
        await server.exit;
      }),
    );
    await redis?.stop();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  async function instance(env: Record<string, string>): Promise<string> {
    const server = startServer({
      DATABASE_URL: database.url,
      DATA_DIR: dir,
      HOST: '127.0.0.1',
      PORT: '0',
      SHUTDOWN_READY_DELAY: '0s',
      REDIS_URL: redis.url,
      RATE_LIMIT_ANONYMOUS: String(LIMIT),
      RATE_LIMIT_WINDOW: '3600s',
      ...env,
    });
    servers.push(server);
    return waitForUrl(server.output, 30_000);
  }

  it('counts in Redis over TLS when the process trusts the CA that signed its certificate', async () => {
    const base = await instance({ NODE_EXTRA_CA_CERTS: tls.caFile });
    const ready = await (await fetch(`${base}/health/ready`)).json();
    expect(ready).toMatchObject({ status: 'ok', info: { redis: { status: 'up' } } });

    const statuses = [];
    for (let i = 0; i <= LIMIT; i += 1) {
      statuses.push((await fetch(`${base}/.well-known/jwks.json`)).status);
    }
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(200), 429]);
    const inspector = new Redis(redis.url, { tls: { ca: await readFile(tls.caFile) } });
    try {
      expect(await inspector.dbsize()).toBeGreaterThan(0);
    } finally {
      inspector.disconnect();
    }
  });

  it('refuses a certificate it cannot verify: Redis is down on /health/ready', async () => {
    const base = await instance({});
    const ready = await (await fetch(`${base}/health/ready`)).json();
    expect(ready).toMatchObject({ status: 'degraded', info: { redis: { status: 'down' } } });
  });
});

/** A CA and a certificate for 127.0.0.1 signed by it, with openssl. */
async function certificateFor127001(dir: string): Promise<RedisTls> {
  const file = (name: string) => join(dir, name);
  await run('openssl', [
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1'],
    ...['-subj', '/CN=ims test CA', '-keyout', file('ca.key'), '-out', file('ca.pem')],
  ]);
  await run('openssl', [
    ...['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1'],
    ...['-keyout', file('redis.key'), '-out', file('redis.csr')],
  ]);
  await writeFile(file('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  await run('openssl', [
    ...['x509', '-req', '-in', file('redis.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key')],
    ...['-CAcreateserial', '-days', '1', '-extfile', file('san.ext'), '-out', file('redis.pem')],
  ]);
  return { certFile: file('redis.pem'), keyFile: file('redis.key'), caFile: file('ca.pem') };
}
