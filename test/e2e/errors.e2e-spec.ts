import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helmetHeaders } from '../../src/common/http/security-headers';
import { bearer, expectError, login } from '../support/auth-helpers';
import { makeSite, makeUser } from '../support/factories';
import { createTestApp, type TestApp } from '../support/test-app';

describe('the error envelope and HTTP hygiene', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await createTestApp({ BODY_LIMIT: '2048' });
  });
  afterAll(async () => {
    await testApp.close();
  });

  const postLogin = (payload: string, contentType = 'application/json') =>
    testApp.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload,
      headers: { 'content-type': contentType },
    });

  it('answers an unknown route with 404 NOT_FOUND in the envelope', async () => {
    expectError(
      await testApp.request({ method: 'GET', url: '/api/v1/no-such-thing' }),
      404,
      'NOT_FOUND',
    );
    expectError(await testApp.request({ method: 'GET', url: '/nowhere' }), 404, 'NOT_FOUND');
  });

  it('answers a known path with an unsupported method with 404 in the envelope', async () => {
    expectError(
      await testApp.request({ method: 'DELETE', url: '/api/v1/auth/login' }),
      404,
      'NOT_FOUND',
    );
  });

  it('answers an over-long path parameter and a malformed URL in the envelope', async () => {
    const tooLong = await testApp.request({
      method: 'GET',
      url: `/api/v1/sites/${'9'.repeat(300)}`,
    });
    expectError(tooLong, 414, 'BAD_REQUEST');
    expect(tooLong.headers['x-request-id']).toBeDefined();
    expectError(
      await testApp.request({ method: 'GET', url: '/api/v1/sites/%E0%A4%A' }),
      400,
      'BAD_REQUEST',
    );
  });

  it('answers malformed JSON with 400 BAD_REQUEST', async () => {
    expectError(await postLogin('{"username": "a",'), 400, 'BAD_REQUEST');
  });

  it('answers a body that is not a JSON object with 422', async () => {
    expectError(await postLogin('["alice", "password"]'), 422, 'VALIDATION_ERROR');
  });

  it('answers a non-JSON content type with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    expectError(
      await postLogin('username=alice', 'application/x-www-form-urlencoded'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expectError(await postLogin('alice', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers a body over BODY_LIMIT with 413 PAYLOAD_TOO_LARGE', async () => {
    const payload = JSON.stringify({ username: 'a'.repeat(4096), password: 'x' });
    expectError(await postLogin(payload), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('names every unknown body field in details with 422 VALIDATION_ERROR', async () => {
    const response = await postLogin(
      JSON.stringify({ username: 'a', password: 'b', role: 'admin', extra: 1 }),
    );
    const error = expectError(response, 422, 'VALIDATION_ERROR');
    expect(error.details).toEqual({ role: 'is not allowed', extra: 'is not allowed' });
  });

  it('generates an X-Request-Id for every response, errors included', async () => {
    const ok = await testApp.request({ method: 'GET', url: '/health/live' });
    const missing = await testApp.request({ method: 'GET', url: '/api/v1/missing' });
    expect(ok.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(missing.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(ok.headers['x-request-id']).not.toBe(missing.headers['x-request-id']);
  });

  it("keeps the gateway's X-Request-Id", async () => {
    const response = await testApp.request({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-request-id': 'gateway-abc.123' },
    });
    expect(response.headers['x-request-id']).toBe('gateway-abc.123');
  });

  it('replaces an X-Request-Id that could forge log lines', async () => {
    const response = await testApp.request({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-request-id': 'evil id\twith spaces' },
    });
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends the helmet security headers on answers and on errors', async () => {
    const expected = helmetHeaders();
    expect(expected['x-frame-options']).toBe('SAMEORIGIN');
    expect(expected['content-security-policy']).toContain("default-src 'self'");
    const answers: Array<[string, number]> = [
      ['/health/live', 200],
      ['/api/v1/no-such-route', 404],
      ['/api/v1/interactions', 401],
    ];
    for (const [url, status] of answers) {
      const response = await testApp.request({ method: 'GET', url });
      expect(response.statusCode, url).toBe(status);
      for (const [name, value] of Object.entries(expected)) {
        expect(response.headers[name], `${url} ${name}`).toBe(value);
      }
    }
  });

  it('sends no CORS headers when CORS_ORIGINS is not configured', async () => {
    const response = await testApp.request({
      method: 'GET',
      url: '/health/live',
      headers: { origin: 'https://app.example.test' },
    });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers /health/live and /health/ready outside /api', async () => {
    expect((await testApp.request({ method: 'GET', url: '/health/live' })).json()).toEqual({
      status: 'ok',
      info: {},
    });
    const ready = await testApp.request({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });
});

describe('CORS from configuration', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await createTestApp({ CORS_ORIGINS: 'https://app.example.test' });
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('allows a configured origin in a preflight and exposes the API headers', async () => {
    const preflight = await testApp.request({
      method: 'OPTIONS',
      url: '/api/v1/auth/login',
      headers: {
        origin: 'https://app.example.test',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example.test');
    const simple = await testApp.request({
      method: 'GET',
      url: '/health/live',
      headers: { origin: 'https://app.example.test' },
    });
    expect(simple.headers['access-control-expose-headers']).toContain('X-Request-Id');
  });

  it('does not allow an origin that is not configured', async () => {
    const response = await testApp.request({
      method: 'GET',
      url: '/health/live',
      headers: { origin: 'https://evil.example.test' },
    });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('unexpected failures', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await createTestApp();
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('answers 500 SERVER_ERROR without SQL or stack when a query fails', async () => {
    const site = await makeSite(testApp.dataSource);
    const user = await makeUser(testApp.dataSource, { sites: [[site, 'viewer']] });
    const { token } = await login(testApp, user);
    await testApp.dataSource.query('ALTER TABLE sites RENAME TO sites_gone');

    const response = await testApp.request({
      method: 'GET',
      url: '/api/v1/sites',
      headers: bearer(token),
    });

    const error = expectError(response, 500, 'SERVER_ERROR');
    expect(error).toEqual({ code: 'SERVER_ERROR', message: 'Internal server error' });
    expect(response.body).not.toMatch(/sites|relation|SELECT|at /i);
  });
});
