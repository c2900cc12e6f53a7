import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Site } from '../../src/sites/entities/site.entity';
import { bearer, expectError, login } from '../support/auth-helpers';
import { makeSite, makeUser } from '../support/factories';
import { createTestApp, type TestApp } from '../support/test-app';

describe('sites', () => {
  let testApp: TestApp;
  let north: Site;
  let south: Site;
  let token: string;

  beforeAll(async () => {
    testApp = await createTestApp();
    north = await makeSite(testApp.dataSource, { name: 'North', description: 'Northern office' });
    south = await makeSite(testApp.dataSource, { name: 'South', description: 'Southern office' });
    const user = await makeUser(testApp.dataSource, { sites: [[north, 'manager']] });
    token = (await login(testApp, user)).token;
  });
  afterAll(async () => {
    await testApp.close();
  });

  const get = (url: string, headers = bearer(token)) =>
    testApp.request({ method: 'GET', url, headers });

  it('lists every site, as the API document says', async () => {
    const response = await get('/api/v1/sites');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      sites: [
        { id: north.id, name: 'North', description: 'Northern office' },
        { id: south.id, name: 'South', description: 'Southern office' },
      ],
    });
  });

  it("returns a site of the caller's", async () => {
    const response = await get(`/api/v1/sites/${north.id}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      site: { id: north.id, name: 'North', description: 'Northern office' },
    });
  });

  it('answers 403 FORBIDDEN for an existing site the caller does not belong to', async () => {
    expectError(await get(`/api/v1/sites/${south.id}`), 403, 'FORBIDDEN');
  });

  it('answers 404 NOT_FOUND for a site that does not exist', async () => {
    expectError(await get('/api/v1/sites/999999'), 404, 'NOT_FOUND');
  });

  it('answers 400 BAD_REQUEST naming the parameter for an id that is not a positive integer', async () => {
    for (const id of ['abc', '0', '-1', '1.5', '99999999999']) {
      const error = expectError(await get(`/api/v1/sites/${id}`), 400, 'BAD_REQUEST');
      expect(error.details).toEqual({ id: 'must be a positive integer' });
    }
  });

  it("lists the caller's sites with roles at /users/sites", async () => {
    const response = await get('/api/v1/users/sites');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      sites: [{ id: north.id, name: 'North', description: 'Northern office', role: 'manager' }],
    });
  });

  it('answers the unversioned alias like the canonical path', async () => {
    expect((await get('/api/sites')).json()).toEqual((await get('/api/v1/sites')).json());
  });

  it('answers 400 naming a query parameter the endpoint does not take', async () => {
    const error = expectError(await get('/api/v1/sites?pagesize=5'), 400, 'BAD_REQUEST');
    expect(error.details).toEqual({ pagesize: 'is not a parameter of this endpoint' });
  });

  it('requires a token on every sites endpoint', async () => {
    for (const url of ['/api/v1/sites', `/api/v1/sites/${north.id}`, '/api/v1/users/sites']) {
      expectError(await get(url, {}), 401, 'UNAUTHORIZED');
    }
  });
});
