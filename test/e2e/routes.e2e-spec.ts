import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRoutes, type RouteEntry } from '../support/routes';
import { createTestApp, type TestApp } from '../support/test-app';

describe('every route declares and enforces its access policy', () => {
  let testApp: TestApp;
  let routes: RouteEntry[];

  beforeAll(async () => {
    testApp = await createTestApp();
    routes = listRoutes(testApp);
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('finds the routes of every controller', () => {
    expect(routes.map((entry) => `${entry.method} ${entry.url}`)).toEqual(
      expect.arrayContaining([
        'POST /api/v1/auth/login',
        'GET /api/v1/sites/1',
        'GET /health/ready',
      ]),
    );
    expect(routes.length).toBeGreaterThanOrEqual(14);
  });

  it('marks every route @Public() or @Authenticated()', () => {
    const undeclared = routes.filter((entry) => !entry.policy).map((entry) => entry.route);
    expect(undeclared).toEqual([]);
  });

  it('answers 401 without a token on every authenticated route', async () => {
    const unprotected: string[] = [];
    for (const entry of routes.filter((candidate) => candidate.policy?.kind === 'authenticated')) {
      const response = await testApp.request({ method: entry.method, url: entry.url, payload: {} });
      if (response.statusCode !== 401) {
        unprotected.push(`${entry.method} ${entry.url} -> ${response.statusCode}`);
      }
    }
    expect(unprotected).toEqual([]);
  });

  it('keeps the public routes to the known list', () => {
    const publicRoutes = routes
      .filter((entry) => entry.policy?.kind === 'public')
      .map((entry) => entry.route);
    expect(publicRoutes.sort()).toEqual(
      [
        'AuthController.confirmPasswordReset',
        'AuthController.login',
        'AuthController.refresh',
        'AuthController.requestPasswordReset',
        'HealthController.live',
        'HealthController.ready',
        'JwksController.jwks',
        'MetricsController.scrape',
      ].sort(),
    );
  });
});
