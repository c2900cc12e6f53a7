import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/test-app';

describe('smoke', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await createTestApp();
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('answers readiness', async () => {
    const response = await testApp.request({ method: 'GET', url: '/health/ready' });
    expect(response.statusCode).toBe(200);
  });
});
