import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  startEmbeddedPostgres,
  type EmbeddedDatabase,
} from '../../src/database/embedded-postgres';
import { startServer, type ServerProcess } from '../support/server-process';

/**
 * How many times the postmaster is killed. Before the fix the process died in 3 of 40 kills of
 * this probe (7.5 %) and answered 45 creates with 500; 40 kills would have caught the crash with a
 * probability of 1 − 0.925^40 ≈ 96 %, and every single kill produced 500s
 * (docs/reliability.md).
 */
const KILLS = 40;
const WRITERS = 16;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits for `done`, failing with `what` after `ms`: a broken run ends instead of hanging. */
async function within(ms: number, what: string, done: () => boolean | Promise<boolean>) {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) {
      throw new Error(`gave up waiting for ${what} after ${ms} ms`);
    }
    await sleep(20);
  }
}

/**
 * The compiled server on a PostgreSQL of its own, whose postmaster is SIGKILLed (no shutdown, no
 * goodbye to the clients: backends notice their parent's death and drop their connections) under
 * concurrent creates, each retried on 503 with its Idempotency-Key, as a client SDK does.
 */
describe('when PostgreSQL is killed (kill -9) under concurrent idempotent writers', () => {
  let dataDir: string;
  let database: EmbeddedDatabase;
  let databasePort: number;
  let databaseRunning = false;
  let server: ServerProcess;
  let baseUrl: string;
  let token: string;

  const startDatabase = async (): Promise<void> => {
    // Backends of the killed server may still be on their way out for a moment.
    for (let attempt = 0; ; attempt += 1) {
      try {
        database = await startEmbeddedPostgres(dataDir, databasePort, () => undefined);
        databaseRunning = true;
        return;
      } catch (error) {
        if (attempt === 100) {
          throw error;
        }
        await sleep(100);
      }
    }
  };

  const killDatabase = async (): Promise<void> => {
    const pidFile = await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8');
    const pid = Number(pidFile.split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    databaseRunning = false;
    // Until Node reaps it, the dead postmaster's pid still answers, and startEmbeddedPostgres
    // would take the stale postmaster.pid for a running server.
    await within(10_000, 'the killed postmaster to be reaped', () => !isAlive(pid));
  };

  /** A request to the API; no answer at all means the process died, which the test is about. */
  const reach = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${baseUrl}${path}`, init).catch((error: unknown) => {
      throw new Error(
        `no answer from the API process (exit code ${server.child.exitCode}, signal ${server.child.signalCode}): ${String(error)}`,
      );
    });

  const api = (path: string, init: RequestInit = {}) =>
    reach(path, {
      ...init,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        ...init.headers,
      },
    });

  const readiness = async (): Promise<number> => (await reach('/health/ready')).status;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ims-crash-'));
    database = await startEmbeddedPostgres(dataDir, 0, () => undefined);
    databaseRunning = true;
    databasePort = Number(new URL(database.url).port);
    const httpPort = await freePort();
    baseUrl = `http://127.0.0.1:${httpPort}`;
    server = startServer({
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(httpPort),
      SEED_DEMO: 'true',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_AUTH: '100000',
      RATE_LIMIT_AUTHENTICATED: '10000000',
      DB_CONNECT_TIMEOUT: '1s',
    });
    for (let started = false; !started;) {
      started = await fetch(`${baseUrl}/health/live`).then(
        (response) => response.ok,
        () => false,
      );
      if (server.child.exitCode !== null) {
        throw new Error(`server exited:\n${(await server.exit).stderr}`);
      }
      await sleep(50);
    }
    const login = await fetch(`${baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin@example.com', password: 'demo-password-123' }),
    });
    token = ((await login.json()) as { token: string }).token;
    expect((await api('/api/v1/auth/site', { method: 'POST', body: '{"site_id":1}' })).status).toBe(
      200,
    );
  });
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await server?.exit;
    if (databaseRunning) {
      await database.stop();
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it(`stays up through ${KILLS} kills: no 500, every 201 stored once, no row unacknowledged`, async () => {
    const acknowledged = new Map<string, number>();
    const statuses = new Map<number, number>();
    let readyDuringOutage = 0;
    let stop = false;

    /** One create, retried with the same key on 503 until it is acknowledged. */
    const create = async (): Promise<void> => {
      const key = randomUUID();
      const title = `Crash probe ${key}`;
      for (;;) {
        const response = await api('/api/v1/interactions', {
          method: 'POST',
          headers: { 'idempotency-key': key },
          body: JSON.stringify({
            title,
            type: 'Call',
            lead: 'Probe',
            start_datetime: '2026-01-05T09:00:00Z',
            end_datetime: '2026-01-05T09:30:00Z',
            timezone: 'UTC',
          }),
        });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const body = (await response.json()) as { interaction?: { id: number } };
        if (response.status !== 503) {
          if (response.status === 201 && body.interaction) {
            acknowledged.set(title, body.interaction.id);
          }
          return;
        }
        if (stop && !databaseRunning) {
          return;
        }
        await sleep(50);
      }
    };
    const writer = async (): Promise<void> => {
      while (!stop) {
        await create();
      }
    };

    for (let kill = 0; kill < KILLS; kill += 1) {
      stop = false;
      const writers = Array.from({ length: WRITERS }, writer);
      await sleep(400);
      try {
        await killDatabase();
        await within(5_000, 'readiness 503', async () => (await readiness()) === 503).then(
          () => (readyDuringOutage += 1),
          () => undefined,
        );
        await startDatabase();
        await within(30_000, 'readiness 200', async () => (await readiness()) === 200);
        await sleep(200);
      } finally {
        stop = true;
      }
      await Promise.all(writers);
      expect(server.child.exitCode, `the process exited after kill ${kill + 1}`).toBeNull();
    }

    expect(readyDuringOutage).toBe(KILLS);
    expect([...statuses.keys()].sort()).toEqual([201, 503]);
    const check = new Client({ connectionString: database.url });
    check.on('error', () => undefined);
    await check.connect();
    try {
      const { rows } = await check.query<{ id: string; title: string }>(
        `SELECT id, title FROM interactions WHERE title LIKE 'Crash probe %'`,
      );
      const stored = new Map(rows.map((row) => [row.title, Number(row.id)]));
      expect(rows.length).toBe(stored.size);
      expect(stored).toEqual(acknowledged);
    } finally {
      await check.end();
    }
  }, 600_000);
});
