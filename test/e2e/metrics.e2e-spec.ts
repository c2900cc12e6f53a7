import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, expectError, login } from '../support/auth-helpers';
import { makeSite, makeUser } from '../support/factories';
import { createTestApp, type TestApp } from '../support/test-app';

const METRICS_TOKEN = 'metrics-token-for-the-e2e-test-0123456789';

/** The value of one series in a Prometheus text exposition, 0 when the series is absent. */
function sample(exposition: string, series: string): number {
  const line = exposition.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('GET /metrics', () => {
  let testApp: TestApp;
  let token: string;

  beforeAll(async () => {
    // The login below spends one of the three auth-tier requests per window.
    testApp = await createTestApp({ METRICS_TOKEN, RATE_LIMIT_AUTH: '3' });
    const site = await makeSite(testApp.dataSource);
    const user = await makeUser(testApp.dataSource, { sites: [[site, 'member']] });
    token = (await login(testApp, user)).token;
  });

  afterAll(async () => {
    await testApp?.close();
  });

  async function scrape(): Promise<string> {
    const response = await testApp.request({
      method: 'GET',
      url: '/metrics',
      headers: bearer(METRICS_TOKEN),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.body;
  }

  it('counts a request under its route template and status, and times it', async () => {
    const series =
      'http_requests_total{method="GET",route="/api/v1/interactions/:id",status="404"}';
    const histogram =
      'http_request_duration_seconds_count{method="GET",route="/api/v1/interactions/:id",status="404"}';
    const before = await scrape();
    const response = await testApp.request({
      method: 'GET',
      url: '/api/v1/interactions/987654',
      headers: bearer(token),
    });
    expect(response.statusCode).toBe(404);
    const after = await scrape();
    expect(sample(after, series)).toBe(sample(before, series) + 1);
    expect(sample(after, histogram)).toBe(sample(before, histogram) + 1);
    expect(after).not.toContain('/api/v1/interactions/987654');
  });

  it('counts requests that match no route under one label', async () => {
    const series = 'http_requests_total{method="GET",route="unmatched",status="404"}';
    const before = sample(await scrape(), series);
    await testApp.request({ method: 'GET', url: '/no/such/route/123' });
    expect(sample(await scrape(), series)).toBe(before + 1);
  });

  it('counts rate-limit rejections by tier', async () => {
    const series = 'rate_limit_rejections_total{tier="auth"}';
    const before = sample(await scrape(), series);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const response = await testApp.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'nobody', password: 'wrong-password' },
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([401, 401, 429, 429]);
    expect(sample(await scrape(), series)).toBe(before + 2);
  });

  it('reports the database pool', async () => {
    const exposition = await scrape();
    expect(sample(exposition, 'db_pool_max_connections')).toBe(testApp.config.dbPoolSize);
    expect(sample(exposition, 'db_pool_connections')).toBeGreaterThanOrEqual(1);
    expect(exposition).toMatch(/^db_pool_waiting_requests \d+$/m);
    expect(exposition).toMatch(/^process_resident_memory_bytes \d+$/m);
  });

  it('refuses a missing or wrong metrics token, and a user access token', async () => {
    expectError(await testApp.request({ method: 'GET', url: '/metrics' }), 401, 'UNAUTHORIZED');
    expectError(
      await testApp.request({
        method: 'GET',
        url: '/metrics',
        headers: bearer(`${METRICS_TOKEN}x`),
      }),
      401,
      'UNAUTHORIZED',
    );
    expectError(
      await testApp.request({ method: 'GET', url: '/metrics', headers: bearer(token) }),
      401,
      'UNAUTHORIZED',
    );
  });
});

describe('GET /metrics when METRICS_ENABLED=false', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await createTestApp({ METRICS_ENABLED: 'false' });
  });

  afterAll(async () => {
    await testApp?.close();
  });

  it('does not exist', async () => {
    expectError(await testApp.request({ method: 'GET', url: '/metrics' }), 404, 'NOT_FOUND');
  });
});
