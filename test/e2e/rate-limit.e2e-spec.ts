import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LoginResponseDto } from '../../src/auth/dto/login.dto';
import type { User } from '../../src/auth/entities/user.entity';
import { bearer, expectError } from '../support/auth-helpers';
import { makeUser, TEST_PASSWORD } from '../support/factories';
import {
  awayFromWindowEdge,
  expectRateHeaders,
  expectRateLimited,
  freshIp,
  spendBudget,
} from '../support/rate-limit-helpers';
import { SearchProbeController } from '../support/search-probe.controller';
import { createTestApp, type TestApp } from '../support/test-app';

const LIMITS = { auth: 4, search: 3, authenticated: 5, anonymous: 6 };
const WINDOW_SECONDS = 3600;
const ENV = {
  RATE_LIMIT_AUTH: String(LIMITS.auth),
  RATE_LIMIT_SEARCH: String(LIMITS.search),
  RATE_LIMIT_AUTHENTICATED: String(LIMITS.authenticated),
  RATE_LIMIT_ANONYMOUS: String(LIMITS.anonymous),
  RATE_LIMIT_WINDOW: `${WINDOW_SECONDS}s`,
};

describe('rate limits', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await createTestApp(ENV, { controllers: [SearchProbeController] });
  });
  afterAll(async () => {
    await testApp.close();
  });
  beforeEach(async () => {
    await awayFromWindowEdge(WINDOW_SECONDS * 1000);
  });

  const from = (ip: string, options: InjectOptions) =>
    testApp.request({ ...options, remoteAddress: ip });
  const resetRequest = (ip: string) =>
    from(ip, {
      method: 'POST',
      url: '/api/v1/auth/password/reset',
      payload: { email: 'nobody@example.test' },
    });
  const jwks = (ip: string, headers: Record<string, string> = {}) =>
    from(ip, { method: 'GET', url: '/.well-known/jwks.json', headers });
  const profile = (ip: string, token: string) =>
    from(ip, { method: 'GET', url: '/api/v1/auth/profile', headers: bearer(token) });
  const searchProbe = (ip: string, token: string) =>
    from(ip, { method: 'GET', url: '/api/v1/search/probe', headers: bearer(token) });

  /** A new user with a token, logged in from an address of its own (login is in the auth tier). */
  async function signedInUser(): Promise<{ user: User; token: string }> {
    const user = await makeUser(testApp.dataSource);
    const response = await from(freshIp(), {
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: user.username, password: TEST_PASSWORD },
    });
    expect(response.statusCode).toBe(200);
    return { user, token: response.json<LoginResponseDto>().token };
  }

  describe('each tier allows exactly its limit, then answers 429 RATE_LIMITED', () => {
    it('limits the auth routes per client IP to RATE_LIMIT_AUTH', async () => {
      const ip = freshIp();
      await spendBudget(() => resetRequest(ip), LIMITS.auth, WINDOW_SECONDS);
    });

    it('limits the search routes per user to RATE_LIMIT_SEARCH', async () => {
      const { token } = await signedInUser();
      const ip = freshIp();
      await spendBudget(() => searchProbe(ip, token), LIMITS.search, WINDOW_SECONDS);
    });

    it('limits other requests with a valid token per user to RATE_LIMIT_AUTHENTICATED', async () => {
      const { token } = await signedInUser();
      const ip = freshIp();
      await spendBudget(() => profile(ip, token), LIMITS.authenticated, WINDOW_SECONDS);
    });

    it('limits requests without a token per client IP to RATE_LIMIT_ANONYMOUS', async () => {
      const ip = freshIp();
      await spendBudget(() => jwks(ip), LIMITS.anonymous, WINDOW_SECONDS);
    });
  });

  it('counts login, refresh and both password reset routes in one auth budget', async () => {
    const ip = freshIp();
    const responses = [
      await from(ip, {
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'nobody', password: 'wrong-password-123' },
      }),
      await from(ip, {
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refresh_token: 'not-a-refresh-token-but-long-enough-0123456789' },
      }),
      await resetRequest(ip),
      await from(ip, {
        method: 'POST',
        url: '/api/v1/auth/password/reset/confirm',
        payload: { token: 'unknown-reset-token', password: 'a-new-long-password' },
      }),
    ];
    expect(responses.map((response) => response.headers['x-ratelimit-remaining'])).toEqual([
      '3',
      '2',
      '1',
      '0',
    ]);
    expectRateLimited(await resetRequest(ip), LIMITS.auth);
  });

  it('counts every endpoint of a user in one authenticated budget', async () => {
    const { token } = await signedInUser();
    const ip = freshIp();
    const sites = () =>
      from(ip, { method: 'GET', url: '/api/v1/auth/sites', headers: bearer(token) });
    expectRateHeaders(await profile(ip, token), {
      limit: LIMITS.authenticated,
      remaining: 4,
      windowSeconds: WINDOW_SECONDS,
    });
    expectRateHeaders(await sites(), {
      limit: LIMITS.authenticated,
      remaining: 3,
      windowSeconds: WINDOW_SECONDS,
    });
  });

  describe('tiers are independent', () => {
    it('serves an authenticated request from an IP whose auth budget is spent', async () => {
      const { token } = await signedInUser();
      const ip = freshIp();
      for (let i = 0; i < LIMITS.auth; i += 1) {
        await resetRequest(ip);
      }
      expectRateLimited(await resetRequest(ip), LIMITS.auth);
      const response = await profile(ip, token);
      expect(response.statusCode).toBe(200);
      expectRateHeaders(response, {
        limit: LIMITS.authenticated,
        remaining: LIMITS.authenticated - 1,
        windowSeconds: WINDOW_SECONDS,
      });
    });

    it('serves other endpoints of a user whose search budget is spent', async () => {
      const { token } = await signedInUser();
      const ip = freshIp();
      await spendBudget(() => searchProbe(ip, token), LIMITS.search, WINDOW_SECONDS);
      const response = await profile(ip, token);
      expect(response.statusCode).toBe(200);
      expectRateHeaders(response, {
        limit: LIMITS.authenticated,
        remaining: LIMITS.authenticated - 1,
        windowSeconds: WINDOW_SECONDS,
      });
    });
  });

  describe('keys', () => {
    it('gives two users on one IP separate authenticated budgets', async () => {
      const first = await signedInUser();
      const second = await signedInUser();
      const ip = freshIp();
      await spendBudget(() => profile(ip, first.token), LIMITS.authenticated, WINDOW_SECONDS);
      const response = await profile(ip, second.token);
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-ratelimit-remaining']).toBe(String(LIMITS.authenticated - 1));
    });

    it("follows a user's budget from one IP to another", async () => {
      const { token } = await signedInUser();
      for (let i = 0; i < LIMITS.authenticated; i += 1) {
        await profile(freshIp(), token);
      }
      expectRateLimited(await profile(freshIp(), token), LIMITS.authenticated);
    });

    it('gives two IPs separate anonymous budgets', async () => {
      const first = freshIp();
      await spendBudget(() => jwks(first), LIMITS.anonymous, WINDOW_SECONDS);
      const response = await jwks(freshIp());
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-ratelimit-remaining']).toBe(String(LIMITS.anonymous - 1));
    });

    it('counts a request with an invalid token in the anonymous budget of its IP, headers on the 401', async () => {
      const ip = freshIp();
      const invalid = bearer('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl');
      const rejected = await from(ip, {
        method: 'GET',
        url: '/api/v1/auth/profile',
        headers: invalid,
      });
      expectError(rejected, 401, 'UNAUTHORIZED');
      expectRateHeaders(rejected, {
        limit: LIMITS.anonymous,
        remaining: LIMITS.anonymous - 1,
        windowSeconds: WINDOW_SECONDS,
      });
      expect((await jwks(ip)).headers['x-ratelimit-remaining']).toBe(String(LIMITS.anonymous - 2));
    });

    it('answers 429, not 401, to a flood of invalid tokens once the IP budget is spent', async () => {
      const ip = freshIp();
      const invalid = { authorization: 'Bearer a.b.c' };
      const flood = () =>
        from(ip, { method: 'GET', url: '/api/v1/auth/profile', headers: invalid });
      for (let i = 0; i < LIMITS.anonymous; i += 1) {
        expect((await flood()).statusCode).toBe(401);
      }
      expectRateLimited(await flood(), LIMITS.anonymous);
    });
  });

  it('counts and stamps a request refused for an unknown query parameter', async () => {
    const ip = freshIp();
    const response = await from(ip, { method: 'GET', url: '/.well-known/jwks.json?pagesize=5' });
    expectError(response, 400, 'BAD_REQUEST');
    expectRateHeaders(response, {
      limit: LIMITS.anonymous,
      remaining: LIMITS.anonymous - 1,
      windowSeconds: WINDOW_SECONDS,
    });
  });

  it('never limits nor stamps the health endpoints', async () => {
    const ip = freshIp();
    for (let i = 0; i <= LIMITS.anonymous; i += 1) {
      for (const url of ['/health/live', '/health/ready']) {
        const response = await from(ip, { method: 'GET', url });
        expect(response.statusCode).toBe(200);
        expect(response.headers['x-ratelimit-limit']).toBeUndefined();
      }
    }
    expect((await jwks(ip)).headers['x-ratelimit-remaining']).toBe(String(LIMITS.anonymous - 1));
  });

  it('ignores a forged X-Forwarded-For without TRUST_PROXY', async () => {
    const ip = freshIp();
    for (let i = 0; i < LIMITS.anonymous; i += 1) {
      await jwks(ip, { 'x-forwarded-for': freshIp() });
    }
    expectRateLimited(await jwks(ip, { 'x-forwarded-for': freshIp() }), LIMITS.anonymous);
  });

  it('documents the headers and the 429 on every limited operation, and none on health', async () => {
    const document = (await testApp.request({ method: 'GET', url: '/docs/openapi.json' })).json<{
      paths: Record<string, Record<string, { responses: Record<string, { headers?: object }> }>>;
    }>();
    const undocumented: string[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const limited = !path.startsWith('/health/');
        for (const [status, response] of Object.entries(operation.responses)) {
          const hasHeaders = Boolean(response.headers && 'X-RateLimit-Reset' in response.headers);
          if (hasHeaders !== limited) {
            undocumented.push(`${method} ${path} ${status}`);
          }
        }
        if (Boolean(operation.responses['429']) !== limited) {
          undocumented.push(`${method} ${path} 429`);
        }
      }
    }
    expect(undocumented).toEqual([]);
  });
});

describe('rate limits behind a proxy (TRUST_PROXY=1)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await createTestApp({ ...ENV, TRUST_PROXY: '1' });
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('keys the anonymous tier on the client address the proxy forwards', async () => {
    await awayFromWindowEdge(WINDOW_SECONDS * 1000);
    const proxy = freshIp();
    const jwks = (client: string) =>
      testApp.request({
        method: 'GET',
        url: '/.well-known/jwks.json',
        remoteAddress: proxy,
        headers: { 'x-forwarded-for': client },
      });
    const first = freshIp();
    await spendBudget(() => jwks(first), LIMITS.anonymous, WINDOW_SECONDS);
    const response = await jwks(freshIp());
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-ratelimit-remaining']).toBe(String(LIMITS.anonymous - 1));
  });
});
