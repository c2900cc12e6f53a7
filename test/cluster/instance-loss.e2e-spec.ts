import { randomBytes } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { interactionsCreate, InteractionType, type ClientOptions } from '../../sdk/typescript';
import { createClient, createConfig, type Client } from '../../sdk/typescript/client';
import { retryingFetch, type RetryEvent } from '../../sdk/typescript/retry';
import type { InteractionResponseDto } from '../../src/interactions/dto/interaction.dto';
import {
  bearer,
  loginAt,
  missingClusterTools,
  send,
  TestCluster,
  type AccessLogEntry,
  type AppInstance,
  type Gateway,
} from '../support/cluster-harness';
import { until } from '../support/until';

/**
 * One of two instances behind the nginx gateway (deploy/nginx/gateway.conf.template) is stopped
 * (SIGTERM) or killed (SIGKILL) while clients keep sending requests through the gateway. nginx
 * open source has no active health checks: what keeps clients whole is the instance serving on for
 * SHUTDOWN_READY_DELAY and then draining, nginx's `proxy_next_upstream` sending an idempotent
 * request that got no answer to the other instance, and the SDK's retry policy (sdk/retry.ts)
 * sending a POST again with its Idempotency-Key.
 *
 * The load: two readers (GET a page, GET by id, HEAD by id), one PUT loop on one record (no
 * If-Match: a repeat is harmless), one DELETE loop over records made beforehand, two POST loops
 * through the generated SDK with the retry policy. Idempotent requests get no client retry: every
 * one must be answered as expected by the gateway itself.
 */
const LOOPS = { read: 2, put: 1, remove: 1, create: 2 };
const WARM_UP_MS = 1_500;
/** Load kept up after the instance has exited: the gateway must meet the dead address. */
const AFTER_EXIT_MS = 2_000;
const RECORDS_TO_DELETE = 400;

const missing = missingClusterTools();

describe.skipIf(missing.length > 0)(
  'losing an instance behind the nginx gateway under load',
  () => {
    const cluster = new TestCluster();
    const instances: AppInstance[] = [];
    let gateway: Gateway;
    let token: string;
    let database: PgClient;

    beforeAll(async () => {
      const env = {
        ...(await cluster.startServices()),
        RATE_LIMIT_AUTHENTICATED: '1000000',
        SHUTDOWN_READY_DELAY: '1s',
      };
      instances.push(await cluster.startInstance('first', env));
      instances.push(await cluster.startInstance('second', env));
      await Promise.all(instances.map((instance) => instance.ready()));
      gateway = await cluster.startGateway([instances[0].address, instances[1].address]);

      token = (await loginAt(gateway.url, 'alice@example.com')).token;
      const site = await send(gateway.url, 'POST', '/api/v1/auth/site', {
        headers: bearer(token),
        body: { site_id: 1 },
      });
      expect(site.status).toBe(200);
      database = new PgClient({ connectionString: cluster.database!.url });
      database.on('error', () => undefined);
      await database.connect();
    });

    afterAll(async () => {
      await database?.end();
      await cluster.stopAll();
    });

    /** Two instances serving through the gateway, whatever an earlier test stopped. */
    beforeEach(async () => {
      for (const [slot, instance] of instances.entries()) {
        if (!instance.running) {
          const replacement = await cluster.startReplacement(instance, `${instance.name}-again`);
          instances[slot] = replacement;
          const listening = Date.now();
          // nginx tries the address again once fail_timeout (10 s) has passed since its failure.
          await until(
            async () => {
              const id = `ims-probe-${randomBytes(4).toString('hex')}`;
              await send(gateway.url, 'GET', '/health/live', { headers: { 'x-request-id': id } });
              return gateway.accessLogOf(id)?.upstream.endsWith(replacement.address) === true;
            },
            `the gateway to send requests to ${replacement.name} again`,
            30_000,
          );
          console.log(
            `${replacement.name} (${replacement.address}) served through the gateway ` +
              `${Date.now() - listening} ms after it listened`,
          );
        }
      }
    });

    it('answers every request while an instance stops on SIGTERM, and stores every POST once', async () => {
      const run = await startLoad('term');
      await run.warmUp();
      const stopped = instances[0];
      stopped.signal('SIGTERM');
      const exit = await stopped.exited;
      await run.keepUpFor(AFTER_EXIT_MS);
      const result = await run.finish();

      await expectNothingLost(run, result, stopped);
      expect(exit).toEqual({ code: 0, signal: null });
    });

    it('answers every request while an instance is killed with SIGKILL, and stores every POST once', async () => {
      const run = await startLoad('kill');
      await run.warmUp();
      const killed = instances[1];
      killed.signal('SIGKILL');
      const exit = await killed.exited;
      await run.keepUpFor(AFTER_EXIT_MS);
      const result = await run.finish();

      expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
      await expectNothingLost(run, result, killed);
    });

    // ---- the load ---------------------------------------------------------------------------------

    interface Outcome {
      loop: string;
      requestId: string;
      method: string;
      /** undefined: no answer at all (the request failed at the gateway connection). */
      status?: number;
      error?: string;
    }

    interface LoadResult {
      outcomes: Outcome[];
      /** Idempotency keys of the POSTs sent, and the SDK's retries. */
      createKeys: string[];
      retries: RetryEvent[];
      putTarget: number;
      lastPutNotes: string | undefined;
      deletedIds: number[];
      accessLog: AccessLogEntry[];
    }

    interface LoadRun {
      prefix: string;
      warmUp(): Promise<void>;
      keepUpFor(ms: number): Promise<void>;
      /** Ends the loops once their requests in flight are answered. */
      stop(): Promise<void>;
      finish(): Promise<LoadResult>;
    }

    let activeRun: LoadRun | undefined;
    // A test that failed half-way leaves no loop running into the next one or into afterAll.
    afterEach(async () => {
      await activeRun?.stop();
      activeRun = undefined;
    });

    async function startLoad(label: string): Promise<LoadRun> {
      const prefix = `loss-${label}-${randomBytes(4).toString('hex')}`;
      const readTarget = await createDirect(`${prefix} read target`);
      const putTarget = await createDirect(`${prefix} put target`);
      const toDelete: number[] = [];
      for (let i = 0; i < RECORDS_TO_DELETE; i += 20) {
        toDelete.push(
          ...(await Promise.all(
            Array.from({ length: 20 }, (_, j) => createDirect(`${prefix} delete ${i + j}`)),
          )),
        );
      }

      const outcomes: Outcome[] = [];
      const createKeys: string[] = [];
      const retries: RetryEvent[] = [];
      const deletedIds: number[] = [];
      let lastPutNotes: string | undefined;
      let running = true;

      const idempotent = async (
        loop: string,
        step: string,
        method: string,
        path: string,
        body?: unknown,
      ): Promise<Outcome> => {
        const requestId = `${prefix}-${loop}-${step}`;
        const outcome: Outcome = { loop, requestId, method };
        try {
          const reply = await send(gateway.url, method, path, {
            headers: { ...bearer(token), 'x-request-id': requestId },
            body,
          });
          outcome.status = reply.status;
        } catch (error) {
          outcome.error = error instanceof Error ? error.message : String(error);
        }
        outcomes.push(outcome);
        return outcome;
      };

      const readLoop = async (loop: string) => {
        for (let n = 0; running; n += 1) {
          const path = `/api/v1/interactions/${readTarget}`;
          await idempotent(loop, `${n}-list`, 'GET', '/api/v1/interactions?page_size=10');
          await idempotent(loop, `${n}-get`, 'GET', path);
          await idempotent(loop, `${n}-head`, 'HEAD', path);
        }
      };
      const putLoop = async (loop: string) => {
        for (let n = 0; running; n += 1) {
          const notes = `${loop} ${n}`;
          const outcome = await idempotent(
            loop,
            `${n}`,
            'PUT',
            `/api/v1/interactions/${putTarget}`,
            {
              ...interactionBody(`${prefix} put target`),
              notes,
            },
          );
          if (outcome.status === 200) {
            lastPutNotes = notes;
          }
        }
      };
      const deleteLoop = async (loop: string) => {
        for (let n = 0; running && n < toDelete.length; n += 1) {
          const id = toDelete[n];
          const outcome = await idempotent(loop, `${n}`, 'DELETE', `/api/v1/interactions/${id}`);
          if (outcome.status === 200 || outcome.status === 404) {
            deletedIds.push(id);
          }
        }
      };
      const sdk = sdkClient((event) => retries.push(event));
      const createLoop = async (loop: string) => {
        for (let n = 0; running; n += 1) {
          const key = `${prefix}-${loop}-${n}`;
          createKeys.push(key);
          const outcome: Outcome = { loop, requestId: key, method: 'POST' };
          try {
            const { response } = await interactionsCreate({
              client: sdk,
              body: interactionBody(`Loss ${key}`),
              headers: { 'Idempotency-Key': key },
            });
            outcome.status = response?.status;
          } catch (error) {
            outcome.error = error instanceof Error ? error.message : String(error);
          }
          outcomes.push(outcome);
        }
      };

      const loops = [
        ...Array.from({ length: LOOPS.read }, (_, i) => readLoop(`read${i}`)),
        ...Array.from({ length: LOOPS.put }, (_, i) => putLoop(`put${i}`)),
        ...Array.from({ length: LOOPS.remove }, (_, i) => deleteLoop(`delete${i}`)),
        ...Array.from({ length: LOOPS.create }, (_, i) => createLoop(`create${i}`)),
      ];
      const ours = () =>
        gateway.accessLogEntries().filter((entry) => entry.request_id.startsWith(prefix));

      const stop = async () => {
        running = false;
        await Promise.all(loops);
      };
      activeRun = {
        prefix,
        stop,
        async warmUp() {
          await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
          // Both instances have answered this run's requests before one goes.
          const upstreams = new Set(ours().map((entry) => entry.upstream));
          expect([...upstreams].sort()).toEqual(instances.map((i) => i.address).sort());
        },
        async keepUpFor(ms: number) {
          await new Promise((resolve) => setTimeout(resolve, ms));
        },
        async finish() {
          await stop();
          // nginx writes a request's access-log line once it has answered it.
          await until(
            () => ours().length >= outcomes.filter((o) => o.status !== undefined).length,
            'the gateway to log every request',
          );
          return {
            outcomes,
            createKeys,
            retries,
            putTarget,
            lastPutNotes,
            deletedIds,
            accessLog: ours(),
          };
        },
      };
      return activeRun;
    }

    async function expectNothingLost(run: LoadRun, result: LoadResult, lost: AppInstance) {
      const { outcomes, accessLog } = result;
      const retried = accessLog.filter((entry) => entry.upstream.includes(','));
      const retriedIds = new Set(retried.map((entry) => entry.request_id));
      // A DELETE that nginx sent again after its first try had gone through finds nothing left.
      const unexpected = outcomes.filter(
        (outcome) =>
          outcome.status !== expectedStatus(outcome.method) &&
          !(
            outcome.method === 'DELETE' &&
            outcome.status === 404 &&
            retriedIds.has(outcome.requestId)
          ),
      );
      // Tries the gateway sent to the lost instance that got no answer (logged as 502).
      const failedTries = accessLog.filter(
        (entry) =>
          entry.upstream.startsWith(lost.address) && entry.upstream_status.startsWith('502'),
      );
      console.log(
        `instance loss (${run.prefix}): ${JSON.stringify({
          requests: outcomes.length,
          byMethod: countOf(outcomes.map((outcome) => outcome.method)),
          unexpected: unexpected.length,
          gatewayLogLines: accessLog.length,
          failedTriesAtLostInstance: failedTries.length,
          gatewayRetries: countOf(
            retried.map((entry) => `${entry.method} ${entry.upstream_status} -> ${entry.status}`),
          ),
          gatewayNotRetried: countOf(
            failedTries
              .filter((entry) => !entry.upstream.includes(','))
              .map((entry) => `${entry.method} ${entry.upstream_status} -> ${entry.status}`),
          ),
          sdkRetries: countOf(
            result.retries.map((retry) => `${retry.method} ${retry.status ?? 'network error'}`),
          ),
          deletesAnswered404AfterRetry: outcomes.filter(
            (outcome) => outcome.method === 'DELETE' && outcome.status === 404,
          ).length,
        })}`,
      );
      expect(unexpected, JSON.stringify(unexpected.slice(0, 20))).toEqual([]);

      // The loss happened under load: the gateway met the lost instance, and only that one.
      expect(failedTries.length).toBeGreaterThan(0);
      expect(retried.filter((entry) => !entry.upstream.startsWith(lost.address))).toEqual([]);

      // Every POST stored exactly once, and nothing stored that was not sent.
      const { rows } = await database.query<{ title: string; count: string }>(
        `SELECT title, count(*) FROM interactions WHERE title LIKE $1 GROUP BY title`,
        [`Loss ${run.prefix}-%`],
      );
      const stored = new Map(rows.map((row) => [row.title, Number(row.count)]));
      expect([...stored.values()].filter((count) => count !== 1)).toEqual([]);
      expect([...stored.keys()].sort()).toEqual(
        result.createKeys.map((key) => `Loss ${key}`).sort(),
      );

      // The PUT record holds the last acknowledged write; every DELETE acknowledged is gone.
      const put = await database.query<{ notes: string }>(
        'SELECT notes FROM interactions WHERE id = $1',
        [result.putTarget],
      );
      expect(put.rows[0].notes).toBe(result.lastPutNotes);
      const left = await database.query<{ count: string }>(
        'SELECT count(*) FROM interactions WHERE id = ANY($1)',
        [result.deletedIds],
      );
      expect(Number(left.rows[0].count)).toBe(0);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    function expectedStatus(method: string): number {
      return method === 'POST' ? 201 : 200;
    }

    /** The generated SDK with the retry policy, sending alice's token through the gateway. */
    function sdkClient(onRetry: (event: RetryEvent) => void): Client {
      const client = createClient(
        createConfig<ClientOptions>({
          baseUrl: gateway.url,
          auth: () => token,
          fetch: retryingFetch({ maxAttempts: 5, onRetry }),
        }),
      );
      // The Idempotency-Key doubles as the request id, so the gateway's log names each attempt.
      client.interceptors.request.use((request) => {
        request.headers.set('x-request-id', request.headers.get('idempotency-key') ?? '');
        return request;
      });
      return client;
    }

    /** A record made before the load, straight to one instance (both are up then). */
    async function createDirect(title: string): Promise<number> {
      const response = await send(instances[0].url, 'POST', '/api/v1/interactions', {
        headers: bearer(token),
        body: interactionBody(title),
      });
      expect(response.status).toBe(201);
      return response.json<InteractionResponseDto>().interaction.id;
    }
  },
);

function interactionBody(title: string) {
  return {
    title,
    type: InteractionType.MEETING,
    lead: 'Grace Hopper',
    start_datetime: '2024-03-05T09:00:00Z',
    end_datetime: '2024-03-05T10:00:00Z',
    timezone: 'UTC',
  };
}

function countOf(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) {
    counts[value] = (counts[value] ?? 0) + 1;
  }
  return counts;
}
