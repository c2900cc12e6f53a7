import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProfileResponseDto } from '../../src/auth/dto/user.dto';
import type { InteractionListResponseDto } from '../../src/interactions/dto/interaction.dto';
import {
  bearer,
  countBy,
  DEMO_PASSWORD,
  loginAt,
  missingClusterTools,
  requestId,
  send,
  TestCluster,
  whoServed,
  type AppInstance,
  type Gateway,
} from '../support/cluster-harness';
import { until } from '../support/until';
import { freePort } from '../support/free-port';
import { awayFromWindowEdge } from '../support/rate-limit-helpers';

/**
 * Two compiled instances (`node dist/src/main.js`) on one PostgreSQL and one Redis, behind a real
 * nginx configured from deploy/nginx/gateway.conf.template: what docker-compose.yml runs, on
 * loopback (test/support/cluster-harness.ts). `npm run test:cluster` builds first.
 */
const AUTH_LIMIT = 4;
const SEARCH_LIMIT = 5;
const WINDOW_SECONDS = 3600;

const missing = missingClusterTools();

describe.skipIf(missing.length > 0)('two instances behind the nginx gateway', () => {
  const cluster = new TestCluster();
  let first: AppInstance;
  let second: AppInstance;
  let gateway: Gateway;

  beforeAll(async () => {
    const env = {
      ...(await cluster.startServices()),
      RATE_LIMIT_AUTH: String(AUTH_LIMIT),
      RATE_LIMIT_SEARCH: String(SEARCH_LIMIT),
      RATE_LIMIT_WINDOW: `${WINDOW_SECONDS}s`,
    };
    // Started together: both run the migration check and the demo seed against the same database.
    first = await cluster.startInstance('first', env);
    second = await cluster.startInstance('second', env);
    await Promise.all([first.ready(), second.ready()]);
    gateway = await cluster.startGateway([first.address, second.address]);
  });

  afterAll(async () => {
    // Everything started is stopped, whatever failed before.
    await cluster.stopAll();
  });

  it('serves one token on both instances, round-robin', async () => {
    const client = clientAddress();
    const { token } = await loginAt(gateway.url, 'alice@example.com', { localAddress: client });
    const ids = Array.from({ length: 20 }, (_, i) => requestId(`profile-${i}`));
    for (const id of ids) {
      const response = await send(gateway.url, 'GET', '/api/v1/auth/profile', {
        headers: { ...bearer(token), 'x-request-id': id },
        localAddress: client,
      });
      expect(response.status).toBe(200);
      expect(response.json<ProfileResponseDto>().user.username).toBe('alice');
    }
    const servedBy = await whoServed([first, second], ids);
    const counts = countBy(servedBy);
    expect(counts.get('first')).toBeGreaterThan(0);
    expect(counts.get('second')).toBeGreaterThan(0);
    expect((counts.get('first') ?? 0) + (counts.get('second') ?? 0)).toBe(ids.length);
  });

  it('ends a session on every instance when it is logged out on one', async () => {
    const client = { forwardedFor: forwardedAddress() };
    const session = await loginAt(first.url, 'alice@example.com', client);
    const profileAtSecond = () =>
      send(second.url, 'GET', '/api/v1/auth/profile', {
        headers: bearer(session.token),
        ...client,
      });
    expect((await profileAtSecond()).status).toBe(200);

    const logout = await send(first.url, 'POST', '/api/v1/auth/logout', {
      headers: bearer(session.token),
      body: {},
      ...client,
    });
    expect(logout.status).toBe(200);

    const afterLogout = await profileAtSecond();
    expect(afterLogout.status).toBe(401);
    expect(afterLogout.errorCode()).toBe('UNAUTHORIZED');
    const refresh = await send(second.url, 'POST', '/api/v1/auth/refresh', {
      body: { refresh_token: session.refresh_token },
      ...client,
    });
    expect(refresh.status).toBe(401);
    expect(refresh.errorCode()).toBe('INVALID_REFRESH_TOKEN');
  });

  it('keeps the site context selected on one instance when the next request reaches the other', async () => {
    const client = { forwardedFor: forwardedAddress() };
    const { token } = await loginAt(first.url, 'alice@example.com', client);
    const options = { headers: bearer(token), ...client };

    const before = await send(second.url, 'GET', '/api/v1/interactions', options);
    expect(before.status).toBe(403);
    expect(before.errorCode()).toBe('SITE_CONTEXT_REQUIRED');

    const select = await send(first.url, 'POST', '/api/v1/auth/site', {
      ...options,
      body: { site_id: 2 },
    });
    expect(select.status).toBe(200);
    const list = await send(second.url, 'GET', '/api/v1/interactions?page_size=100', options);
    expect(list.status).toBe(200);
    const siteIds = list.json<InteractionListResponseDto>().interactions.map((row) => row.site_id);
    expect(siteIds.length).toBeGreaterThan(0);
    expect(new Set(siteIds)).toEqual(new Set([2]));

    const reselect = await send(second.url, 'POST', '/api/v1/auth/site', {
      ...options,
      body: { site_id: 1 },
    });
    expect(reselect.status).toBe(200);
    const profile = await send(first.url, 'GET', '/api/v1/auth/profile', options);
    expect(profile.json<ProfileResponseDto>().user.current_site_id).toBe(1);
  });

  it('shares one rate-limit budget between the instances through Redis', async () => {
    await awayFromWindowEdge(WINDOW_SECONDS * 1000);
    const client = clientAddress();
    // Bob has one site, selected at login; the search tier counts per user.
    const { token } = await loginAt(gateway.url, 'bob@example.com', { localAddress: client });
    const ids = Array.from({ length: SEARCH_LIMIT * 2 + 2 }, (_, i) => requestId(`search-${i}`));
    const responses = await Promise.all(
      ids.map((id) =>
        send(gateway.url, 'GET', '/api/v1/search/recent', {
          headers: { ...bearer(token), 'x-request-id': id },
          localAddress: client,
        }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(SEARCH_LIMIT);
    expect(statuses.filter((status) => status === 429)).toHaveLength(ids.length - SEARCH_LIMIT);
    for (const response of responses.filter(({ status }) => status === 429)) {
      expect(response.errorCode()).toBe('RATE_LIMITED');
      expect(response.headers['x-ratelimit-limit']).toBe(String(SEARCH_LIMIT));
    }
    // With a budget per instance, any split between two instances would let more than N through.
    const counts = countBy(await whoServed([first, second], ids));
    expect(counts.get('first')).toBeGreaterThan(0);
    expect(counts.get('second')).toBeGreaterThan(0);
  });

  it('keeps the login limit, per instance, while Redis is down, and shares it again once it is back', async () => {
    await awayFromWindowEdge(WINDOW_SECONDS * 1000);
    const redisUp = async (instance: AppInstance): Promise<boolean> => {
      const ready = (await (await fetch(`${instance.url}/health/ready`)).json()) as {
        info?: { redis?: { status?: string } };
      };
      return ready.info?.redis?.status === 'up';
    };
    await cluster.redis!.stop();
    try {
      const client = clientAddress();
      const ids = Array.from({ length: AUTH_LIMIT * 2 + 4 }, (_, i) => requestId(`outage-${i}`));
      const statuses: number[] = [];
      for (const id of ids) {
        const response = await send(gateway.url, 'POST', '/api/v1/auth/login', {
          body: { username: 'nobody@example.com', password: 'not-a-password' },
          headers: { 'x-request-id': id },
          localAddress: client,
        });
        statuses.push(response.status);
      }
      // Each instance holds the budget on its own: at most twice the limit gets through.
      expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(
        AUTH_LIMIT * 2,
      );
      expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(4);
      expect(new Set(await whoServed([first, second], ids))).toEqual(new Set(['first', 'second']));
    } finally {
      await cluster.redis!.restart();
    }
    await until(
      async () => (await redisUp(first)) && (await redisUp(second)),
      'both instances to see Redis again',
      15_000,
    );
    // An instance tries Redis again a second after its last failure; from then on it counts there.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
  });

  it('limits each client address on its own, the one nginx saw, not one the client claims', async () => {
    await awayFromWindowEdge(WINDOW_SECONDS * 1000);
    const flooding = clientAddress();
    const other = clientAddress();
    const loginFrom = (localAddress: string, forwardedFor?: string) =>
      send(gateway.url, 'POST', '/api/v1/auth/login', {
        body: { username: 'alice@example.com', password: DEMO_PASSWORD },
        localAddress,
        forwardedFor,
      });

    for (let used = 1; used <= AUTH_LIMIT; used += 1) {
      const response = await loginFrom(flooding);
      expect(response.status).toBe(200);
      expect(response.headers['x-ratelimit-remaining']).toBe(String(AUTH_LIMIT - used));
    }
    const refused = await loginFrom(flooding);
    expect(refused.status).toBe(429);
    expect(refused.errorCode()).toBe('RATE_LIMITED');
    // nginx appends the real peer after whatever the client wrote; the API trusts one hop only.
    const spoofed = await loginFrom(flooding, forwardedAddress());
    expect(spoofed.status).toBe(429);

    const neighbour = await loginFrom(other);
    expect(neighbour.status).toBe(200);
    expect(neighbour.headers['x-ratelimit-remaining']).toBe(String(AUTH_LIMIT - 1));
  });

  it("carries the client's request id to the serving instance's log and back in the response", async () => {
    const id = requestId('trace');
    const response = await send(gateway.url, 'GET', '/.well-known/jwks.json', {
      headers: { 'x-request-id': id },
      localAddress: clientAddress(),
    });
    expect(response.status).toBe(200);
    expect(response.headers['x-request-id']).toBe(id);

    const [served] = await whoServed([first, second], [id]);
    const instance = served === first.name ? first : second;
    const completed = instance.logLinesOf(id).find((line) => line.msg === 'request completed');
    expect(completed).toMatchObject({ req: { id, method: 'GET' }, res: { statusCode: 200 } });
    expect((served === first.name ? second : first).logLinesOf(id)).toEqual([]);
    // The gateway's access log names the same id and the instance it chose.
    await until(() => gateway.accessLogOf(id) !== undefined, 'the gateway to log the request');
    expect(gateway.accessLogOf(id)).toMatchObject({ upstream: instance.address, status: 200 });
  });

  it('gives a request without a usable id one from the gateway, logged by the instance', async () => {
    const asSent: Array<Record<string, string>> = [{}, { 'x-request-id': 'not usable: spaces' }];
    for (const headers of asSent) {
      const response = await send(gateway.url, 'GET', '/.well-known/jwks.json', {
        headers,
        localAddress: clientAddress(),
      });
      expect(response.status).toBe(200);
      const id = response.headers['x-request-id'];
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      const [served] = await whoServed([first, second], [id as string]);
      expect(['first', 'second']).toContain(served);
    }
  });

  it('keeps the per-instance /metrics off the gateway', async () => {
    const id = requestId('metrics');
    const throughGateway = await send(gateway.url, 'GET', '/metrics', {
      headers: { 'x-request-id': id },
    });
    expect(throughGateway.status).toBe(404);
    expect(throughGateway.headers['x-request-id']).toBe(id);
    expect(throughGateway.errorCode()).toBe('NOT_FOUND');
    expect(first.logLinesOf(id)).toEqual([]);
    expect(second.logLinesOf(id)).toEqual([]);
    // Each instance still serves its own (METRICS_TOKEN unset outside production: open).
    expect((await send(first.url, 'GET', '/metrics')).status).toBe(200);
  });

  it('answers 503 in the error envelope, with a request id, when no instance is reachable', async () => {
    // Ports nobody listens on: nginx is refused by both upstreams.
    const unreachable = await cluster.startGateway([
      `127.0.0.1:${await freePort()}`,
      `127.0.0.1:${await freePort()}`,
    ]);
    const id = requestId('down');
    const response = await send(unreachable.url, 'GET', '/api/v1/auth/profile', {
      headers: { 'x-request-id': id },
    });
    await unreachable.stop();
    expect(response.status).toBe(503);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['retry-after']).toBe('5');
    expect(response.headers['x-request-id']).toBe(id);
    expect(response.errorCode()).toBe('SERVICE_UNAVAILABLE');
  });
});

// ---- helpers -----------------------------------------------------------------------------------

let addressCount = 0;

/** A loopback address of its own (Linux routes all of 127.0.0.0/8 to lo): a fresh rate budget. */
function clientAddress(): string {
  addressCount += 1;
  return `127.0.${Math.floor(addressCount / 250) + 1}.${(addressCount % 250) + 1}`;
}

/** A documentation address (TEST-NET-3) for X-Forwarded-For, unused by any other test. */
function forwardedAddress(): string {
  addressCount += 1;
  return `203.0.113.${(addressCount % 250) + 1}`;
}
