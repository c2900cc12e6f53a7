import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { connect } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataSourceOptions } from '../../src/database/data-source';
import { ENTITIES } from '../../src/entities';
import { runMigrationsLocked } from '../../src/database/migrate';
import { seedDemoData } from '../../src/seeds/demo.seed';
import { logLines, startServer as start, waitForUrl } from '../support/server-process';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { until } from '../support/until';

describe('the server process', () => {
  it('exits 1 with one line naming the variable when PORT is not a number', async () => {
    const { exit } = start({ PORT: 'abc' });
    const { code, stderr } = await exit;
    expect(code).toBe(1);
    expect(stderr).toBe('Configuration error: PORT must be an integer between 0 and 65535\n');
  });

  it('exits 1 with one line when ACCESS_TOKEN_TTL is not a duration', async () => {
    const { exit } = start({ ACCESS_TOKEN_TTL: 'half an hour' });
    const { code, stderr } = await exit;
    expect(code).toBe(1);
    expect(stderr).toBe(
      'Configuration error: ACCESS_TOKEN_TTL must be a duration like 30m, 12h or 7d\n',
    );
  });

  it('exits 1 with one line when NODE_ENV=production lacks the JWT keys', async () => {
    const { exit } = start({ NODE_ENV: 'production', DATABASE_URL: 'postgres://u:p@db:5432/ims' });
    const { code, stderr } = await exit;
    expect(code).toBe(1);
    expect(stderr).toBe(
      'Configuration error: NODE_ENV=production requires JWT_PRIVATE_KEY and JWT_PUBLIC_KEY (keys are not generated in production)\n',
    );
  });

  it('exits 1 with one line when a secret is given both as NAME and as NAME_FILE', async () => {
    const { exit } = start({
      DATABASE_URL: 'postgres://u:p@db:5432/ims',
      DATABASE_URL_FILE: '/run/secrets/database-url',
    });
    const { code, stderr } = await exit;
    expect(code).toBe(1);
    expect(stderr).toBe(
      'Configuration error: DATABASE_URL and DATABASE_URL_FILE are both set; give only one\n',
    );
  });

  describe('on a real database', () => {
    let database: TestDatabase;
    let dataDir: string;

    beforeAll(async () => {
      database = await createTestDatabase();
      dataDir = await mkdtemp(join(tmpdir(), 'ims-process-'));
    });
    afterAll(async () => {
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    });

    const serverEnv = () => ({
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      SEED_DEMO: 'true',
      SHUTDOWN_READY_DELAY: '0s',
    });

    it('refuses to start with NODE_ENV=production while demo accounts keep the demo password', async () => {
      const dataSource = await new DataSource(
        buildDataSourceOptions({ entities: ENTITIES, url: database.url }),
      ).initialize();
      try {
        await runMigrationsLocked(dataSource);
        await seedDemoData(dataSource);
      } finally {
        await dataSource.destroy();
      }
      const keys = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      });
      const { exit } = start({
        ...serverEnv(),
        SEED_DEMO: 'false',
        NODE_ENV: 'production',
        JWT_PRIVATE_KEY: keys.privateKey,
        JWT_PUBLIC_KEY: keys.publicKey,
        METRICS_TOKEN: 'metrics-token-for-the-e2e-test-0123456789',
      });
      const { code, stderr } = await exit;
      expect(code).toBe(1);
      expect(stderr).toContain(
        'refusing to start with NODE_ENV=production: demo accounts sign in with the published demo password (admin@example.com, alice@example.com, bob@example.com)',
      );
    });

    it('starts in production with its secrets from files only (NAME_FILE), and serves', async () => {
      const ownDatabase = await createTestDatabase();
      const keys = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      });
      const metricsToken = 'metrics-token-from-a-secret-file-0123456789';
      const secret = async (name: string, content: string): Promise<string> => {
        const path = join(dataDir, name);
        await writeFile(path, `${content}\n`, { mode: 0o600 });
        return path;
      };
      const server = start({
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: '0',
        SEED_DEMO: 'false',
        DATABASE_URL_FILE: await secret('database-url', ownDatabase.url),
        JWT_PRIVATE_KEY_FILE: await secret('jwt-private.pem', keys.privateKey),
        JWT_PUBLIC_KEY_FILE: await secret('jwt-public.pem', keys.publicKey),
        METRICS_TOKEN_FILE: await secret('metrics-token', metricsToken),
        SHUTDOWN_READY_DELAY: '0s',
      });
      try {
        const url = await waitForUrl(server.output);
        expect((await fetch(`${url}/health/ready`)).status).toBe(200);
        const metrics = await fetch(`${url}/metrics`, {
          headers: { authorization: `Bearer ${metricsToken}` },
        });
        expect(metrics.status).toBe(200);
        const jwks = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as {
          keys: Array<{ n: string }>;
        };
        const publicJwk = createPublicKey(keys.publicKey).export({ format: 'jwk' });
        expect(jwks.keys.map((key) => key.n)).toEqual([publicJwk.n]);
      } finally {
        server.child.kill('SIGTERM');
        await server.exit;
        await ownDatabase.drop();
      }
    });

    it('answers /health/ready 503 at once on SIGTERM, serves for SHUTDOWN_READY_DELAY, then exits 0', async () => {
      const server = start({ ...serverEnv(), SHUTDOWN_READY_DELAY: '2s' });
      const url = await waitForUrl(server.output);
      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
      let exited = false;
      void server.exit.then(() => (exited = true));
      server.child.kill('SIGTERM');
      const signalled = Date.now();
      // The signal reaches the process asynchronously: the first answers may still be 200.
      let ready = 200;
      while (ready !== 503 && Date.now() - signalled < 1_000) {
        ready = (await fetch(`${url}/health/ready`)).status;
      }
      expect(ready).toBe(503);
      const body = (await (await fetch(`${url}/health/ready`)).json()) as {
        error: { code: string; details: Record<string, string> };
      };
      expect(body.error).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        details: { instance: 'shutting_down' },
      });
      // Still serving while the gateway takes the instance out of rotation.
      expect((await fetch(`${url}/health/live`)).status).toBe(200);
      expect(exited).toBe(false);
      expect((await server.exit).code).toBe(0);
      expect(Date.now() - signalled).toBeGreaterThanOrEqual(2_000);
    });

    it('finishes a request in flight when SIGTERM arrives, then exits 0', async () => {
      const server = start(serverEnv());
      const url = new URL(await waitForUrl(server.output));
      const upload = await openLoginUpload(url);
      server.child.kill('SIGTERM');
      const response = await upload.finish();
      expect(response).toMatch(/^HTTP\/1\.1 200 /);
      expect((await server.exit).code).toBe(0);
    });

    it('closes a kept-alive connection after the response in flight at SIGTERM, and exits 0', async () => {
      // The client (a gateway's keep-alive pool) would hold the connection open after the
      // response, and the drain with it until SHUTDOWN_GRACE_PERIOD: exit 1.
      const server = start({ ...serverEnv(), SHUTDOWN_GRACE_PERIOD: '3s' });
      const url = new URL(await waitForUrl(server.output));
      const upload = await openLoginUpload(url, { keepAlive: true });
      server.child.kill('SIGTERM');
      const response = await upload.finish();
      expect(response).toMatch(/^HTTP\/1\.1 200 /);
      expect(response).toMatch(/\r\nconnection: close\r\n/i);
      expect((await server.exit).code).toBe(0);
    });

    it('serves a request that arrives while the server closes, instead of a bare 503', async () => {
      const server = start(serverEnv());
      const url = new URL(await waitForUrl(server.output));
      // Headers begun before SIGTERM: the connection is busy, so closing the server keeps it.
      const socket = connect(Number(url.port), url.hostname);
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(`GET /health/live HTTP/1.1\r\nHost: ${url.host}\r\n`);
      server.child.kill('SIGTERM');
      // The listener is closed once new connections are refused: the server is closing.
      await until(async () => !(await accepts(url)), 'the listener to close');
      socket.write('\r\n');
      await closed;
      expect(received).toMatch(/^HTTP\/1\.1 200 /);
      expect(received).toMatch(/\r\nconnection: close\r\n/i);
      expect((await server.exit).code).toBe(0);
    });

    it('exits 1 once SHUTDOWN_GRACE_PERIOD has passed with a request still running', async () => {
      const server = start({ ...serverEnv(), SHUTDOWN_GRACE_PERIOD: '1s' });
      const url = new URL(await waitForUrl(server.output));
      const upload = await openLoginUpload(url);
      server.child.kill('SIGTERM');
      expect((await server.exit).code).toBe(1);
      upload.abandon();
    });

    it('serves, logs JSON with the request id and no credentials, and stops cleanly on SIGTERM', async () => {
      const server = start(serverEnv());
      try {
        const url = await waitForUrl(server.output);
        expect((await fetch(`${url}/health/ready`)).status).toBe(200);
        const login = await fetch(`${url}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': 'trace-42' },
          body: JSON.stringify({ username: 'alice@example.com', password: 'demo-password-123' }),
        });
        expect(login.status).toBe(200);
        const { token } = (await login.json()) as { token: string };
        const profile = await fetch(`${url}/api/v1/auth/profile`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(profile.status).toBe(200);
        const outsidePrefix = await fetch(`${url}/.well-known/jwks.json`, {
          headers: { 'x-request-id': 'trace-jwks' },
        });
        expect(outsidePrefix.status).toBe(200);
        const unmatched = await fetch(`${url}/no/such/route`, {
          headers: { 'x-request-id': 'trace-404' },
        });
        expect(unmatched.status).toBe(404);
      } finally {
        server.child.kill('SIGTERM');
      }
      const { code } = await server.exit;
      expect(code).toBe(0);

      const lines = logLines(server.output());
      const loginLog = lines.find(
        (line) => (line.req as { id?: string } | undefined)?.id === 'trace-42',
      );
      expect(loginLog).toMatchObject({ res: { statusCode: 200 } });
      // One line per request, also outside the /api prefix and for a path no route matches.
      const linesOf = (id: string) =>
        lines.filter((line) => (line.req as { id?: string } | undefined)?.id === id).length;
      expect([linesOf('trace-42'), linesOf('trace-jwks'), linesOf('trace-404')]).toEqual([1, 1, 1]);
      // A clean start warns of the demo credentials and of nothing else.
      const warnings = lines.filter((line) => Number(line.level) >= 40 && !('req' in line));
      expect(warnings.map((line) => line.msg)).toEqual([
        expect.stringMatching(/^demo data is enabled: /),
      ]);
      expect(server.output()).not.toMatch(/Bearer ey/);
      expect(server.output()).not.toContain('demo-password-123"');
      expect(server.output()).toContain('"authorization":"[Redacted]"');
    });
  });
});

/**
 * A login whose body has not been sent yet. `Expect: 100-continue` makes the server confirm it
 * holds the request before the test goes on, so "in flight" is a fact, not a timing guess.
 */
async function openLoginUpload(
  url: URL,
  { keepAlive = false } = {},
): Promise<{ finish(): Promise<string>; abandon(): void }> {
  const body = JSON.stringify({ username: 'alice@example.com', password: 'demo-password-123' });
  const socket = connect(Number(url.port), url.hostname);
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(
    `POST /api/v1/auth/login HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\nConnection: ${keepAlive ? 'keep-alive' : 'close'}\r\n\r\n`,
  );
  await new Promise<void>((resolve) => {
    const check = () =>
      received.includes('100 Continue') ? resolve() : socket.once('data', check);
    check();
  });
  received = '';
  return {
    finish: async () => {
      socket.write(body);
      await closed;
      return received;
    },
    abandon: () => socket.destroy(),
  };
}

function accepts(url: URL): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(Number(url.port), url.hostname);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}
