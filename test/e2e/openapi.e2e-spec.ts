import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOpenApiJson } from '../../src/openapi/generate';
import {
  documentValidator,
  type ObservedExchange,
  type ResponseValidator,
} from '../support/openapi-response-validator';
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

  it('describes every operation completely', async () => {
    const document = JSON.parse(await generateOpenApiJson()) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const gaps: string[] = [];
    const operationIds: string[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const name = `${method.toUpperCase()} ${path}`;
        operationIds.push(String(operation.operationId));
        if (!/^[a-z]+(_[a-z]+)+$/.test(String(operation.operationId))) {
          gaps.push(`${name}: operationId ${String(operation.operationId)}`);
        }
        for (const field of ['summary', 'description'] as const) {
          if (!operation[field]) {
            gaps.push(`${name}: no ${field}`);
          }
        }
        if ((operation.tags as string[] | undefined)?.length !== 1) {
          gaps.push(`${name}: not exactly one tag`);
        }
        if (!Array.isArray(operation.security)) {
          gaps.push(`${name}: no security requirement (public operations say [])`);
        }
        const responses = operation.responses as Record<string, { description?: string }>;
        for (const [status, response] of Object.entries(responses)) {
          if (!response.description) {
            gaps.push(`${name}: response ${status} has no description`);
          }
        }
        for (const status of ['400', '500', '503']) {
          if (!responses[status]) {
            gaps.push(`${name}: no ${status}`);
          }
        }
      }
    }
    expect(gaps).toEqual([]);
    expect(new Set(operationIds).size).toBe(operationIds.length);
  });

  it('lists the configured interaction types in the live document', async () => {
    const custom = await createTestApp({ INTERACTION_TYPES: 'Meeting,Workshop' });
    try {
      const live = (await custom.request({ method: 'GET', url: '/docs/openapi.json' })).json<{
        components: { schemas: Record<string, { enum?: string[] }> };
      }>();
      expect(live.components.schemas.InteractionType.enum).toEqual(['Meeting', 'Workshop']);
    } finally {
      await custom.close();
    }
    const committed = JSON.parse(await readFile(COMMITTED, 'utf8')) as {
      components: { schemas: Record<string, { enum?: string[] }> };
    };
    expect(committed.components.schemas.InteractionType.enum).toEqual([
      'Meeting',
      'Call',
      'Email',
      'Video Call',
      'Visit',
      'Event',
      'Other',
    ]);
  });

  it('renders the Swagger UI at /docs', async () => {
    const response = await testApp.request({ method: 'GET', url: '/docs' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).toContain('swagger-ui');
  });
});

describe('the response validator every e2e request goes through', () => {
  let validator: ResponseValidator;
  const interaction = {
    id: 7,
    site_id: 2,
    title: 'Team Kickoff Meeting',
    type: 'Meeting',
    lead: 'John Smith',
    start_datetime: '2023-06-12T10:00:00Z',
    end_datetime: '2023-06-12T11:00:00Z',
    timezone: 'America/New_York',
    location: '',
    description: '',
    notes: '',
    created_by: 123,
    created_at: '2023-06-01T15:30:00Z',
    updated_at: '2023-06-01T15:30:00Z',
  };
  const getInteraction = (body: unknown, overrides: Partial<ObservedExchange> = {}) =>
    validator.check({
      method: 'GET',
      url: '/api/interactions/7',
      statusCode: 200,
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify(body),
      ...overrides,
    });

  beforeAll(async () => {
    validator = await documentValidator();
  });

  it('accepts a body that matches the schema, also on the /api alias', () => {
    expect(getInteraction({ interaction })).toBeUndefined();
  });

  it('rejects a body missing a required field', () => {
    const withoutTitle: Partial<typeof interaction> = { ...interaction };
    delete withoutTitle.title;
    expect(getInteraction({ interaction: withoutTitle })).toMatch(
      /interactions_get responses\[200\][\s\S]*must have required property 'title'/,
    );
  });

  it('rejects a field of the wrong type or format', () => {
    expect(getInteraction({ interaction: { ...interaction, id: '7' } })).toMatch(
      /\/interaction\/id must be integer/,
    );
    expect(getInteraction({ interaction: { ...interaction, created_at: 'yesterday' } })).toMatch(
      /\/interaction\/created_at must match format "date-time"/,
    );
  });

  it('rejects a field the document does not declare', () => {
    expect(getInteraction({ interaction: { ...interaction, version: 3 } })).toMatch(
      /must NOT have additional properties[\s\S]*version/,
    );
  });

  it('rejects a status the operation does not document', () => {
    expect(getInteraction({ interaction }, { statusCode: 409 })).toMatch(
      /status 409 is not documented for interactions_get/,
    );
  });

  it('rejects a path the document does not have', () => {
    expect(getInteraction({ ok: true }, { url: '/api/v1/secret-admin' })).toMatch(
      /no path of the OpenAPI document matches \/api\/v1\/secret-admin/,
    );
  });

  it('checks error bodies against the envelope, unknown routes included', () => {
    const notFound = { error: { code: 'NOT_FOUND', message: 'Route not found' } };
    expect(getInteraction(notFound, { url: '/api/v1/nowhere', statusCode: 404 })).toBeUndefined();
    expect(getInteraction({ error: { code: 'OOPS', message: 'x' } }, { statusCode: 404 })).toMatch(
      /\/error\/code must be equal to one of the allowed values/,
    );
    expect(getInteraction({ message: 'Not Found' }, { url: '/nowhere', statusCode: 404 })).toMatch(
      /must have required property 'error'/,
    );
  });

  it('skips 304 and bodies that are not JSON, and the exempt /docs', () => {
    expect(getInteraction('', { statusCode: 304, body: '' })).toBeUndefined();
    expect(
      getInteraction('<html>', { url: '/docs', contentType: 'text/html', body: '<html>' }),
    ).toBeUndefined();
  });
});
