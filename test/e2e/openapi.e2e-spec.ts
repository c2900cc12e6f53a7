import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOpenApiJson } from '../../src/openapi/generate';
import { createTestApp, type TestApp } from '../support/test-app';

const COMMITTED = join(__dirname, '..', '..', 'openapi', 'openapi.json');

describe('the OpenAPI document', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await createTestApp();
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('committed in openapi/openapi.json is what the code generates (run npm run openapi)', async () => {
    const committed = await readFile(COMMITTED, 'utf8');
    expect(await generateOpenApiJson()).toBe(committed);
  });

  it('is served at /docs/openapi.json with bearer security and the canonical paths', async () => {
    const response = await testApp.request({ method: 'GET', url: '/docs/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json<{
      paths: Record<string, Record<string, { security?: unknown[] }>>;
      components: { securitySchemes: Record<string, unknown> };
    }>();
    expect(document.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    expect(document.paths['/api/v1/auth/profile'].get.security).toEqual([{ bearer: [] }]);
    expect(document.paths['/api/v1/auth/login'].post.security).toEqual([]);
    expect(
      Object.keys(document.paths).filter(
        (path) => path.startsWith('/api/') && !path.startsWith('/api/v1/'),
      ),
    ).toEqual([]);
  });

  it('renders the Swagger UI at /docs', async () => {
    const response = await testApp.request({ method: 'GET', url: '/docs' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).toContain('swagger-ui');
  });
});
