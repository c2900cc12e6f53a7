import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/entities/user.entity';
import { codeForStatus, ErrorCode, STATUS_OF } from '../../src/common/errors/error-code';
import { MAX_JSON_DEPTH } from '../../src/common/http/json-body-parser';
import { generateOpenApiJson } from '../../src/openapi/generate';
import type { Site } from '../../src/sites/entities/site.entity';
import { makeInteraction, makeSite, makeUser } from '../support/factories';
import { EXAMPLE_INTERACTION, sessionIn } from '../support/interaction-helpers';
import { documentValidator } from '../support/openapi-response-validator';
import { listRoutes } from '../support/routes';
import { createTestApp, type TestApp } from '../support/test-app';

/*
 * Hostile input on every endpoint the app registers (test/support/routes.ts), so a new endpoint is
 * attacked without anyone remembering to add it. The OpenAPI document the code generates tells
 * what each endpoint takes (path parameter types, required query parameters and their examples,
 * body fields and their types); the expected answers follow DESIGN.md §4:
 *
 *   URL the router refuses (bad percent-encoding, invalid UTF-8)    400 BAD_REQUEST
 *   path parameter longer than the router's maxParamLength (200)    414 BAD_REQUEST
 *   path parameter of the wrong form (id `1e3`, unknown type)       400 BAD_REQUEST
 *   query: unknown, repeated, prototype-named, bad encoding, NUL    400 BAD_REQUEST
 *   body: malformed JSON, __proto__/constructor.prototype keys,
 *         invalid UTF-8 bytes, nested more than MAX_JSON_DEPTH      400 BAD_REQUEST
 *   body: wrong type or range, NUL, lone surrogate, not an object,
 *         a key named like an Object.prototype member               422 VALIDATION_ERROR
 *   body over BODY_LIMIT / not application/json                     413 / 415
 *
 * Every non-2xx answer must be the envelope, with a code that belongs to its status, without a
 * stack trace or SQL; createTestApp() also checks it against the OpenAPI document.
 */

type ParamKind = 'integer' | 'enum' | 'text';
type FieldKind = 'integer' | 'string' | 'structured';

interface Endpoint {
  route: string;
  method: string;
  /** Documented path, e.g. `/api/v1/interactions/{id}`; the router's path when undocumented. */
  template: string;
  /** Path parameters in order; `kind` is undefined when the document does not describe them. */
  params: Array<{ name: string; kind?: ParamKind; maximum?: number }>;
  /** The documented example of every required query parameter: a query that passes. */
  baseQuery: Record<string, string>;
  queryNames: string[];
  /** Declared body fields; undefined when the endpoint takes no JSON body. */
  body?: Array<{ name: string; kind: FieldKind }>;
  authenticated: boolean;
}

interface Schema {
  type?: string;
  enum?: unknown[];
  maximum?: number;
  example?: unknown;
  $ref?: string;
  properties?: Record<string, Schema>;
}
interface Operation {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Schema }>;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/** Bodies that pass validation, sent with a hostile path parameter so that it alone decides. */
const VALID_BODIES: Record<string, unknown> = {
  'InteractionsController.replace': EXAMPLE_INTERACTION,
  'InteractionsController.patch': { notes: 'hostile input test' },
};

/**
 * Routes whose refusal of a malformed field has its own code (DESIGN.md §4: a malformed e-mail on
 * password reset is 400 INVALID_EMAIL, not 422).
 */
const FIELD_ERROR_OVERRIDES: Record<string, { status: number; code: ErrorCode }> = {
  'AuthController.requestPasswordReset': { status: 400, code: ErrorCode.INVALID_EMAIL },
};

/** Every property of Object.prototype, as it was before any hostile request. */
const OBJECT_PROTOTYPE = Object.getOwnPropertyDescriptors(Object.prototype);

const SQL_TEXT =
  /\bSELECT\b[\s\S]+\bFROM\b|\bINSERT INTO\b|\bDELETE FROM\b|\bUPDATE\s+"?\w+"?\s+SET\b|QueryFailedError|syntax error at or near|violates \S+ constraint|\brelation "|\bcolumn "|SQLSTATE|pg_catalog/i;
const STACK_TRACE = /"stack"|\n\s+at |\bat \S+ \(\S+:\d+:\d+\)|node_modules|\/src\/\S+\.[jt]s/;

interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

/**
 * What is wrong with an answer to hostile input, or undefined: never 5xx, never a stack or SQL;
 * every non-2xx is exactly the envelope with a code of its status and an X-Request-Id.
 */
function problemOf(
  label: string,
  answer: Answer,
  expected?: { status: number; code?: ErrorCode },
): string | undefined {
  const said = `${label} -> ${answer.statusCode} ${answer.body.slice(0, 200)}`;
  if (answer.statusCode >= 500) {
    return `${said}: a server error`;
  }
  if (STACK_TRACE.test(answer.body) || SQL_TEXT.test(answer.body)) {
    return `${said}: leaks a stack trace or SQL`;
  }
  if (expected && answer.statusCode !== expected.status) {
    return `${said}: expected ${expected.status}${expected.code ? ` ${expected.code}` : ''}`;
  }
  if (answer.statusCode < 400) {
    return undefined;
  }
  if (!String(answer.headers['content-type']).startsWith('application/json')) {
    return `${said}: not JSON (${String(answer.headers['content-type'])})`;
  }
  if (!answer.headers['x-request-id']) {
    return `${said}: no X-Request-Id`;
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return `${said}: unparseable body`;
  }
  const error = (body as { error?: Record<string, unknown> }).error;
  const code = error?.code as ErrorCode;
  const wellFormed =
    Object.keys(body as object).join() === 'error' &&
    Object.keys(error ?? {}).every((key) => ['code', 'message', 'details'].includes(key)) &&
    Object.values(ErrorCode).includes(code) &&
    typeof error?.message === 'string' &&
    (error.details === undefined ||
      Object.values(error.details as object).every((value) => typeof value === 'string'));
  if (!wellFormed) {
    return `${said}: not the error envelope`;
  }
  if (STATUS_OF[code] !== answer.statusCode && codeForStatus(answer.statusCode) !== code) {
    return `${said}: ${code} does not belong to status ${answer.statusCode}`;
  }
  if (expected?.code && code !== expected.code) {
    return `${said}: expected ${expected.code}`;
  }
  return undefined;
}

function detailsOf(answer: Answer): Record<string, string> {
  return (
    (JSON.parse(answer.body) as { error: { details?: Record<string, string> } }).error.details ?? {}
  );
}

/** Every byte percent-encoded, so that invalid UTF-8 and `/` reach the server as sent. */
function percentEncode(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`).join(
    '',
  );
}

function queryString(query: Record<string, string>): string {
  return Object.entries(query)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
}

function resolve(document: Document, schema: Schema | undefined): Schema {
  if (schema?.$ref) {
    return document.components.schemas[schema.$ref.split('/').pop() ?? ''] ?? {};
  }
  return schema ?? {};
}

function exampleOf(schema: Schema | undefined): string {
  const example = schema?.example;
  return typeof example === 'string' || typeof example === 'number' ? String(example) : 'x';
}

function fieldKind(schema: Schema): FieldKind {
  if (schema.type === 'integer' || schema.type === 'number') {
    return 'integer';
  }
  return schema.type === 'string' || schema.enum ? 'string' : 'structured';
}

/** The routes the app registers, described by the document the code generates. */
function describeEndpoints(testApp: TestApp, document: Document): Endpoint[] {
  return listRoutes(testApp).map((entry) => {
    const template =
      Object.keys(document.paths).find(
        (path) =>
          path.replace(/\{[^}]+\}/g, '1') === entry.url &&
          document.paths[path][entry.method.toLowerCase()],
      ) ?? entry.url.replace(/\/1(?=\/|$)/g, '/{param}');
    const operation = document.paths[template]?.[entry.method.toLowerCase()] ?? {};
    const parameters = operation.parameters ?? [];
    const names = [...template.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
    const params = names.map((name) => {
      const declared = parameters.find((parameter) => parameter.name === name);
      if (!declared) {
        return { name };
      }
      const schema = resolve(document, declared.schema);
      const kind: ParamKind = schema.type === 'integer' ? 'integer' : schema.enum ? 'enum' : 'text';
      return { name, kind, maximum: schema.maximum };
    });
    const queries = parameters.filter((parameter) => parameter.in === 'query');
    const bodySchema = resolve(
      document,
      operation.requestBody?.content?.['application/json']?.schema,
    );
    return {
      route: entry.route,
      method: entry.method,
      template,
      params,
      baseQuery: Object.fromEntries(
        queries
          .filter((parameter) => parameter.required)
          .map((parameter) => [parameter.name, exampleOf(parameter.schema)]),
      ),
      queryNames: queries.map((parameter) => parameter.name),
      // A JSON body: the import's NDJSON and CSV bodies have their own tests
      // (interactions-transfer.e2e-spec.ts).
      body: operation.requestBody?.content?.['application/json']
        ? Object.entries(bodySchema.properties ?? {}).map(([name, schema]) => ({
            name,
            kind: fieldKind(resolve(document, schema)),
          }))
        : undefined,
      authenticated: entry.policy?.kind === 'authenticated',
    };
  });
}

/** The endpoint's path with `segment` in place of its `index`th parameter and `1` elsewhere. */
function pathWith(endpoint: Endpoint, index: number, segment: string): string {
  let position = -1;
  return endpoint.template.replace(/\{[^}]+\}/g, () => {
    position += 1;
    return position === index ? segment : '1';
  });
}

function urlOf(endpoint: Endpoint, query: string = queryString(endpoint.baseQuery)): string {
  const path = pathWith(endpoint, -1, '1');
  return query ? `${path}?${query}` : path;
}

/**
 * Hostile path segments, sent byte for byte over a socket (light-my-request would resolve `..`
 * and `%2e%2e` itself), with the status each yields per documented parameter type. `early`
 * marks the ones the router refuses before authentication.
 */
const PATH_SEGMENTS: Array<{
  label: string;
  segment: string;
  expected: Record<ParamKind, number>;
  early?: boolean;
}> = [
  {
    label: 'an encoded traversal ..%2F..%2Fetc%2Fpasswd',
    segment: '..%2F..%2Fetc%2Fpasswd',
    expected: { integer: 400, enum: 400, text: 200 },
  },
  // The parameter is `..` and a second, empty segment follows: no route has that shape.
  {
    label: 'a raw ../',
    segment: '../',
    expected: { integer: 404, enum: 404, text: 404 },
    early: true,
  },
  { label: 'a raw ..', segment: '..', expected: { integer: 400, enum: 400, text: 200 } },
  {
    label: 'an encoded %2e%2e',
    segment: '%2e%2e',
    expected: { integer: 400, enum: 400, text: 200 },
  },
  { label: 'an encoded NUL %00', segment: '%00', expected: { integer: 400, enum: 400, text: 400 } },
  {
    label: 'a 10 kB value',
    segment: '9'.repeat(10_240),
    expected: { integer: 414, enum: 414, text: 414 },
    early: true,
  },
  {
    label: 'a 150-character value (over the lead limit of 100)',
    segment: 'x'.repeat(150),
    expected: { integer: 400, enum: 400, text: 400 },
  },
  { label: '__proto__', segment: '__proto__', expected: { integer: 400, enum: 400, text: 200 } },
  {
    label: 'constructor',
    segment: 'constructor',
    expected: { integer: 400, enum: 400, text: 200 },
  },
  {
    label: 'unicode (check mark, emoji, right-to-left override)',
    segment: '%E2%9C%93%F0%9F%98%80%E2%80%AE',
    expected: { integer: 400, enum: 400, text: 200 },
  },
  { label: '-1', segment: '-1', expected: { integer: 400, enum: 400, text: 200 } },
  { label: '0', segment: '0', expected: { integer: 400, enum: 400, text: 200 } },
  {
    label: 'a 20-digit number',
    segment: '99999999999999999999',
    expected: { integer: 400, enum: 400, text: 200 },
  },
  { label: '1e3', segment: '1e3', expected: { integer: 400, enum: 400, text: 200 } },
  { label: '0x10', segment: '0x10', expected: { integer: 400, enum: 400, text: 200 } },
  { label: '1.0', segment: '1.0', expected: { integer: 400, enum: 400, text: 200 } },
  {
    label: 'a leading space %201',
    segment: '%201',
    expected: { integer: 400, enum: 400, text: 200 },
  },
  {
    label: 'invalid UTF-8 %C3%28',
    segment: '%C3%28',
    expected: { integer: 400, enum: 400, text: 400 },
    early: true,
  },
  {
    label: 'invalid UTF-8 %FF',
    segment: '%FF',
    expected: { integer: 400, enum: 400, text: 400 },
    early: true,
  },
  {
    label: 'an encoded surrogate %ED%A0%80',
    segment: '%ED%A0%80',
    expected: { integer: 400, enum: 400, text: 400 },
    early: true,
  },
  {
    label: 'a lone %',
    segment: '%',
    expected: { integer: 400, enum: 400, text: 400 },
    early: true,
  },
];

/** JSON texts of a value of the wrong type or out of range, per declared field type. */
const WRONG_VALUES: Record<FieldKind, string[]> = {
  integer: [
    '1e309',
    '-0',
    '9223372036854775808',
    '"NaN"',
    '"1"',
    '1.5',
    '[1]',
    '{"$gt":0}',
    'true',
  ],
  string: ['["a"]', '1e309', '9223372036854775808', '12345', '{"$ne":""}', 'true'],
  structured: ['1e309', '"NaN"', 'true', '{"$where":"1"}'],
};

/** Hostile queries, after the endpoint's valid base query: each is a 400 on every endpoint. */
const HOSTILE_QUERIES: Array<[label: string, query: string]> = [
  ['a repeated parameter', 'page=1&page=2'],
  ['an array parameter', 'page[]=1'],
  ['an object parameter', 'page[a]=1'],
  ['__proto__', '__proto__=1'],
  ['__proto__[admin]', '__proto__[admin]=1'],
  ['constructor', 'constructor=1'],
  ['constructor[prototype][admin]', 'constructor[prototype][admin]=1'],
  ['toString', 'toString=1'],
  ['hasOwnProperty', 'hasOwnProperty=x'],
  ['a 4,000-digit page', `page=${'9'.repeat(4_000)}`],
  ['an 8 kB unknown parameter', `${'a'.repeat(8_000)}=1`],
  ['page=NaN', 'page=NaN'],
  ['page=-0', 'page=-0'],
  ['page=Infinity', 'page=Infinity'],
  ['page=1e1', 'page=1e1'],
  ['limit=1e1', 'limit=1e1'],
  ['page_size=0x10', 'page_size=0x10'],
  ['a NUL', 'page=%00'],
  ['invalid UTF-8 %C3%28', 'search=%C3%28'],
  ['invalid UTF-8 %FF in a name', '%FF=1'],
  ['an encoded surrogate', 'query=%ED%A0%80'],
  ['a lone %', 'search=%'],
  ['an empty name', '=1'],
];

describe('hostile input on every endpoint', () => {
  let testApp: TestApp;
  let document: Document;
  let endpoints: Endpoint[];
  let site: Site;
  let manager: User;
  let auth: Record<string, string>;
  let port: number;

  beforeAll(async () => {
    testApp = await createTestApp();
    document = JSON.parse(await generateOpenApiJson()) as Document;
    endpoints = describeEndpoints(testApp, document);
    site = await makeSite(testApp.dataSource);
    manager = await makeUser(testApp.dataSource, { sites: [[site, 'manager']] });
    await makeInteraction(testApp.dataSource, { site, user: manager });
    auth = await sessionIn(testApp, manager, site);
    await testApp.app.listen({ port: 0, host: '127.0.0.1' });
    port = (testApp.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => {
    await testApp.close();
  });

  /** Through createTestApp's request(), which checks the answer against the OpenAPI document. */
  async function send(options: InjectOptions): Promise<LightMyRequestResponse> {
    const response = await testApp.request(options);
    // A logout that got through ends the session every other request uses.
    if (options.url === '/api/v1/auth/logout' && response.statusCode === 200) {
      auth = await sessionIn(testApp, manager, site);
    }
    return response;
  }

  /** Over a socket, with the path exactly as given; checked against the document here. */
  async function sendRaw(endpoint: Endpoint, path: string, headers: Record<string, string>) {
    const method = endpoint.method;
    const payload = endpoint.body ? JSON.stringify(VALID_BODIES[endpoint.route] ?? {}) : undefined;
    const answer = await new Promise<Answer>((resolvePromise, reject) => {
      const request = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          headers: payload ? { ...headers, 'content-type': 'application/json' } : headers,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolvePromise({
              statusCode: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
    const undocumented = (await documentValidator()).check({
      method,
      url: path,
      statusCode: answer.statusCode,
      contentType: answer.headers['content-type'] as string | undefined,
      body: answer.body,
    });
    return { answer, undocumented };
  }

  const withParams = () => endpoints.filter((endpoint) => endpoint.params.length > 0);
  const withBody = () => endpoints.filter((endpoint) => endpoint.body !== undefined);
  const gets = () => endpoints.filter((endpoint) => endpoint.method === 'GET');

  /** The bodies `make` gives for each body endpoint, sent; what is wrong with the answers. */
  async function everyBody(
    make: (endpoint: Endpoint) => Array<{ label: string; payload: string | Buffer }>,
    expected: (endpoint: Endpoint) => { status: number; code?: ErrorCode },
    headers: () => Record<string, string> = () => auth,
  ): Promise<string[]> {
    const problems: string[] = [];
    for (const endpoint of withBody()) {
      for (const { label, payload } of make(endpoint)) {
        const response = await send({
          method: endpoint.method,
          url: urlOf(endpoint),
          headers: { ...headers(), 'content-type': 'application/json' },
          payload,
        });
        const problem = problemOf(
          `${endpoint.method} ${endpoint.template} ${label}`,
          response,
          expected(endpoint),
        );
        if (problem) {
          problems.push(problem);
        }
      }
    }
    return problems;
  }

  it('finds the endpoints it attacks in the app and in the document', () => {
    const names = (list: Endpoint[]) => list.map((endpoint) => endpoint.route);
    expect(names(withParams())).toEqual(
      expect.arrayContaining([
        'SitesController.get',
        'InteractionsController.get',
        'InteractionsController.replace',
        'InteractionsController.patch',
        'InteractionsController.remove',
        'SearchController.byType',
        'SearchController.byLead',
      ]),
    );
    expect(names(withBody())).toEqual(
      expect.arrayContaining([
        'AuthController.login',
        'AuthController.selectSite',
        'InteractionsController.create',
        'InteractionsController.replace',
        'InteractionsController.patch',
        'SearchController.advanced',
      ]),
    );
    expect(withBody().filter((endpoint) => endpoint.body?.length === 0)).toEqual([]);
    expect(gets().length).toBeGreaterThanOrEqual(14);
  });

  describe('path parameters', () => {
    for (const { label, segment, expected } of PATH_SEGMENTS) {
      it(`answers ${label} in a path parameter as its type says, in the envelope`, async () => {
        const problems: string[] = [];
        for (const endpoint of withParams()) {
          for (const [index, param] of endpoint.params.entries()) {
            const path = pathWith(endpoint, index, segment);
            const { answer, undocumented } = await sendRaw(endpoint, path, auth);
            const status = param.kind ? expected[param.kind] : undefined;
            const problem =
              undocumented ??
              problemOf(
                `${endpoint.method} ${path.slice(0, 80)}`,
                answer,
                status ? { status } : undefined,
              );
            if (problem) {
              problems.push(problem);
            }
          }
        }
        expect(problems).toEqual([]);
      });
    }

    it('answers the documented maximum id with 404 and one more with 400', async () => {
      const problems: string[] = [];
      for (const endpoint of withParams()) {
        for (const [index, param] of endpoint.params.entries()) {
          if (param.kind !== 'integer' || param.maximum === undefined) {
            continue;
          }
          for (const [id, status] of [
            [BigInt(param.maximum), 404],
            [BigInt(param.maximum) + 1n, 400],
          ] as const) {
            const path = pathWith(endpoint, index, String(id));
            const { answer, undocumented } = await sendRaw(endpoint, path, auth);
            const problem =
              undocumented ?? problemOf(`${endpoint.method} ${path}`, answer, { status });
            if (problem) {
              problems.push(problem);
            }
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('names the parameter that holds a NUL', async () => {
      const byLead = endpoints.find((endpoint) => endpoint.route === 'SearchController.byLead');
      const { answer } = await sendRaw(byLead as Endpoint, '/api/v1/search/lead/a%00b', auth);
      expect(answer.statusCode).toBe(400);
      expect(detailsOf(answer)).toEqual({ lead: 'must not contain NUL (U+0000) characters' });
    });

    it('answers hostile path parameters without a token with 401, or as the router refuses them', async () => {
      const problems: string[] = [];
      for (const endpoint of withParams().filter((candidate) => candidate.authenticated)) {
        for (const { segment, expected, early } of PATH_SEGMENTS) {
          const path = pathWith(endpoint, 0, segment);
          const { answer, undocumented } = await sendRaw(endpoint, path, {});
          const kind = endpoint.params[0].kind ?? 'text';
          const status = early ? expected[kind] : 401;
          const problem =
            undocumented ??
            problemOf(`${endpoint.method} ${path.slice(0, 80)}`, answer, { status });
          if (problem) {
            problems.push(problem);
          }
        }
      }
      expect(problems).toEqual([]);
    });
  });

  describe('JSON bodies', () => {
    const fieldError = (endpoint: Endpoint) =>
      FIELD_ERROR_OVERRIDES[endpoint.route] ?? { status: 422, code: ErrorCode.VALIDATION_ERROR };
    const badRequest = () => ({ status: 400, code: ErrorCode.BAD_REQUEST });
    const validationError = () => ({ status: 422, code: ErrorCode.VALIDATION_ERROR });
    const firstField = (endpoint: Endpoint) => endpoint.body?.[0]?.name ?? 'x';
    /** `details` names the field, or something inside it (`filters[0].value`). */
    const namesField = (answer: Answer, field: string) =>
      Object.keys(detailsOf(answer)).some(
        (key) => key === field || key.startsWith(`${field}.`) || key.startsWith(`${field}[`),
      );

    it('refuses __proto__ and constructor.prototype keys, top-level and nested, with 400 and leaves Object.prototype alone', async () => {
      const pollution = '{"admin":true,"isAdmin":true,"role":"manager"}';
      const problems = await everyBody(
        (endpoint) => [
          { label: 'top-level __proto__', payload: `{"__proto__":${pollution}}` },
          {
            label: 'top-level constructor.prototype',
            payload: `{"constructor":{"prototype":${pollution}}}`,
          },
          { label: 'escaped __proto__', payload: `{"\\u005f\\u005fproto__":${pollution}}` },
          { label: 'in an array', payload: `[{"__proto__":${pollution}}]` },
          {
            label: 'nested in a field',
            payload: `{"${firstField(endpoint)}":{"__proto__":${pollution}}}`,
          },
          {
            label: 'nested in a filter',
            payload: `{"filters":[{"field":"id","operator":"eq","value":1,"__proto__":${pollution}}]}`,
          },
          {
            label: 'nested in a filter group',
            payload: `{"filters":[{"any":[{"constructor":{"prototype":${pollution}}}]}]}`,
          },
        ],
        badRequest,
      );
      expect(problems).toEqual([]);
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      expect(Object.getOwnPropertyDescriptors(Object.prototype)).toEqual(OBJECT_PROTOTYPE);
      expect(Object.getPrototypeOf(Object.prototype)).toBeNull();
    });

    it('refuses keys named like Object.prototype members with 422 naming them', async () => {
      const problems = await everyBody(
        (endpoint) => [
          { label: 'constructor', payload: '{"constructor":{"admin":true}}' },
          { label: 'toString', payload: '{"toString":"x"}' },
          { label: 'hasOwnProperty', payload: '{"hasOwnProperty":1}' },
          { label: 'valueOf', payload: '{"valueOf":{"admin":true}}' },
          {
            label: 'nested constructor',
            payload: `{"${firstField(endpoint)}":{"constructor":{"admin":true}}}`,
          },
        ],
        validationError,
      );
      expect(problems).toEqual([]);
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
      expect(Object.getOwnPropertyDescriptors(Object.prototype)).toEqual(OBJECT_PROTOTYPE);
    });

    it('names a prototype-named key nested in a filter in details', async () => {
      const response = await send({
        method: 'POST',
        url: '/api/v1/search/advanced',
        headers: { ...auth, 'content-type': 'application/json' },
        payload:
          '{"filters":[{"field":"id","operator":"eq","value":1,"constructor":{"admin":true}}]}',
      });
      expect(response.statusCode).toBe(422);
      expect(detailsOf(response)).toEqual({ 'filters[0].constructor': 'is not allowed' });
    });

    it(`refuses nesting deeper than ${MAX_JSON_DEPTH} levels (up to 10,000) with 400`, async () => {
      const arrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const problems = await everyBody(
        (endpoint) => [
          { label: '10,000 arrays', payload: arrays(10_000) },
          { label: '10,000 objects', payload: `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}` },
          {
            label: '10,000 arrays in a field',
            payload: `{"${firstField(endpoint)}":${arrays(10_000)}}`,
          },
          {
            label: '3,000 nested not groups',
            payload: `{"filters":[${'{"not":'.repeat(3_000)}{"field":"id","operator":"eq","value":1}${'}'.repeat(3_000)}]}`,
          },
          {
            label: `${MAX_JSON_DEPTH + 1} levels`,
            payload: `{"${firstField(endpoint)}":${arrays(MAX_JSON_DEPTH)}}`,
          },
        ],
        badRequest,
      );
      expect(problems).toEqual([]);
    });

    it(`lets exactly ${MAX_JSON_DEPTH} levels through to validation (422)`, async () => {
      const problems = await everyBody(
        (endpoint) => [
          {
            label: `${MAX_JSON_DEPTH} levels`,
            payload: `{"${firstField(endpoint)}":${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}}`,
          },
        ],
        fieldError,
      );
      expect(problems).toEqual([]);
    });

    it('refuses a value of the wrong type or out of range in every declared field (1e309, -0, 2**63, "NaN", arrays)', async () => {
      const problems: string[] = [];
      for (const kind of ['integer', 'string', 'structured'] as const) {
        for (const json of WRONG_VALUES[kind]) {
          problems.push(
            ...(await everyBody(
              (endpoint) =>
                (endpoint.body ?? [])
                  .filter((field) => field.kind === kind)
                  .map((field) => ({
                    label: `${field.name}=${json}`,
                    payload: `{"${field.name}":${json}}`,
                  })),
              fieldError,
            )),
          );
        }
      }
      expect(problems).toEqual([]);
    });

    it('names the field of a wrong value in details', async () => {
      const problems: string[] = [];
      for (const endpoint of withBody().filter(
        (candidate) => !FIELD_ERROR_OVERRIDES[candidate.route],
      )) {
        for (const field of endpoint.body ?? []) {
          const json = WRONG_VALUES[field.kind][0];
          const response = await send({
            method: endpoint.method,
            url: urlOf(endpoint),
            headers: { ...auth, 'content-type': 'application/json' },
            payload: `{"${field.name}":${json}}`,
          });
          const problem =
            problemOf(`${endpoint.template} ${field.name}`, response, validationError()) ??
            (namesField(response, field.name)
              ? undefined
              : `${endpoint.template}: details do not name ${field.name}: ${response.body}`);
          if (problem) {
            problems.push(problem);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('refuses NUL characters and lone surrogates in strings with 422 naming the field', async () => {
      const problems: string[] = [];
      for (const [label, text] of [
        ['an escaped NUL', 'a\\u0000b'],
        ['a lone high surrogate', 'a\\ud800b'],
        ['a lone low surrogate', '\\udc00'],
      ]) {
        problems.push(
          ...(await everyBody(
            (endpoint) =>
              (endpoint.body ?? [])
                .filter((field) => field.kind === 'string')
                .map((field) => ({
                  label: `${label} in ${field.name}`,
                  payload: `{"${field.name}":"${text}"}`,
                })),
            validationError,
          )),
        );
      }
      const response = await send({
        method: 'POST',
        url: '/api/v1/interactions',
        headers: auth,
        payload: { ...EXAMPLE_INTERACTION, title: 'Weekly \ud800 review' },
      });
      expect(detailsOf(response)).toEqual({
        title: 'must be well-formed Unicode (no lone surrogate)',
      });
      expect(problems).toEqual([]);
    });

    it('refuses invalid UTF-8 bytes inside a JSON string with 400 instead of storing U+FFFD', async () => {
      const sequences: Array<[string, number[]]> = [
        ['0xC3 0x28', [0xc3, 0x28]],
        ['0xFF', [0xff]],
        ['an overlong 0xC0 0xAF', [0xc0, 0xaf]],
        ['an encoded surrogate 0xED 0xA0 0x80', [0xed, 0xa0, 0x80]],
        ['a truncated 0xE2 0x82', [0xe2, 0x82]],
      ];
      const problems = await everyBody(
        (endpoint) =>
          sequences.map(([label, bytes]) => ({
            label,
            payload: Buffer.concat([
              Buffer.from(`{"${firstField(endpoint)}":"ab`),
              Buffer.from(bytes),
              Buffer.from('cd"}'),
            ]),
          })),
        badRequest,
      );
      expect(problems).toEqual([]);
      const mangled = await testApp.dataSource.query<Array<{ count: string }>>(
        "SELECT count(*) FROM interactions WHERE title LIKE '%' || chr(65533) || '%'",
      );
      expect(mangled).toEqual([{ count: '0' }]);
    });

    it('refuses raw control characters and malformed JSON with 400', async () => {
      const problems = await everyBody(
        (endpoint) => [
          {
            label: 'a raw NUL byte',
            payload: Buffer.from(`{"${firstField(endpoint)}":"a\u0000b"}`),
          },
          { label: 'a truncated body', payload: `{"${firstField(endpoint)}":` },
          { label: 'NaN literal', payload: `{"${firstField(endpoint)}":NaN}` },
          { label: 'a trailing comma', payload: `{"${firstField(endpoint)}":1,}` },
          { label: 'an empty body', payload: '' },
        ],
        badRequest,
      );
      expect(problems).toEqual([]);
    });

    it('refuses a body that is not a JSON object with 422', async () => {
      const problems = await everyBody(
        () =>
          ['null', '"a string"', '12', 'true', '[]', '[{"a":1}]'].map((payload) => ({
            label: payload,
            payload,
          })),
        validationError,
      );
      expect(problems).toEqual([]);
    });

    it('answers other content types with 415', async () => {
      const problems: string[] = [];
      for (const endpoint of withBody()) {
        for (const [contentType, payload] of [
          ['text/plain', 'hello'],
          ['application/xml', '<a><b>1</b></a>'],
          [
            'multipart/form-data; boundary=x',
            '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n',
          ],
          ['application/x-www-form-urlencoded', 'a=1&b=2'],
          ['application/merge-patch+json', '{}'],
          ['application/octet-stream', '\u0000\u0001'],
        ]) {
          const response = await send({
            method: endpoint.method,
            url: urlOf(endpoint),
            headers: { ...auth, 'content-type': contentType },
            payload,
          });
          const problem = problemOf(`${endpoint.template} as ${contentType}`, response, {
            status: 415,
            code: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
          });
          if (problem) {
            problems.push(problem);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('answers a body over BODY_LIMIT with 413', async () => {
      const problems = await everyBody(
        (endpoint) => [
          {
            label: 'over BODY_LIMIT',
            payload: `{"${firstField(endpoint)}":"${'x'.repeat(testApp.config.bodyLimitBytes)}"}`,
          },
        ],
        () => ({ status: 413, code: ErrorCode.PAYLOAD_TOO_LARGE }),
      );
      expect(problems).toEqual([]);
    });

    it('refuses unreadable bodies before authentication, and readable ones without a token with 401', async () => {
      const authenticated = (endpoint: Endpoint) => endpoint.authenticated;
      const early = await everyBody(
        (endpoint) =>
          authenticated(endpoint)
            ? [
                { label: '__proto__', payload: '{"__proto__":{"admin":true}}' },
                { label: '10,000 arrays', payload: `${'['.repeat(10_000)}${']'.repeat(10_000)}` },
                {
                  label: 'invalid UTF-8',
                  payload: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
                },
              ]
            : [],
        badRequest,
        () => ({}),
      );
      const late = await everyBody(
        (endpoint) =>
          authenticated(endpoint)
            ? [
                { label: 'a wrong type', payload: `{"${firstField(endpoint)}":["a"]}` },
                { label: 'toString', payload: '{"toString":1}' },
              ]
            : [],
        () => ({ status: 401, code: ErrorCode.UNAUTHORIZED }),
        () => ({}),
      );
      expect([...early, ...late]).toEqual([]);
    });
  });

  describe('query strings', () => {
    /** GET with `hostile` after the other parameters; anything but 400 BAD_REQUEST is a problem. */
    async function expectQueryRefused(
      endpoint: Endpoint,
      query: Record<string, string>,
      hostile: string,
      problems: string[],
    ): Promise<void> {
      const base = queryString(query);
      const url = urlOf(endpoint, base ? `${base}&${hostile}` : hostile);
      const response = await send({ method: 'GET', url, headers: auth });
      const problem = problemOf(`GET ${url.slice(0, 100)}`, response, {
        status: 400,
        code: ErrorCode.BAD_REQUEST,
      });
      if (problem) {
        problems.push(problem);
      }
    }

    for (const [label, hostile] of HOSTILE_QUERIES) {
      it(`refuses ${label} in the query with 400 on every endpoint`, async () => {
        const problems: string[] = [];
        for (const endpoint of gets()) {
          await expectQueryRefused(endpoint, endpoint.baseQuery, hostile, problems);
        }
        expect(problems).toEqual([]);
      });
    }

    it('refuses every documented query parameter given twice, or 5,000 characters long, with 400', async () => {
      const problems: string[] = [];
      for (const endpoint of gets()) {
        for (const name of endpoint.queryNames) {
          const example = endpoint.baseQuery[name] ?? '1';
          for (const value of [[example, example], ['9'.repeat(5_000)]]) {
            const query = { ...endpoint.baseQuery };
            delete query[name];
            const hostile = value.map((item) => `${name}=${item}`).join('&');
            await expectQueryRefused(endpoint, query, hostile, problems);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('names the query parameter that is __proto__ or not percent-encoded UTF-8', async () => {
      const proto = await send({
        method: 'GET',
        url: '/api/v1/interactions?__proto__=1',
        headers: auth,
      });
      expect(Object.entries(detailsOf(proto))).toEqual([['__proto__', 'is not allowed']]);
      const encoding = await send({
        method: 'GET',
        url: '/api/v1/interactions?page=1&search=%C3%28',
        headers: auth,
      });
      expect(detailsOf(encoding)).toEqual({ search: 'is not valid percent-encoded UTF-8' });
    });

    it('answers hostile queries without a token with 401, and with 400 on public endpoints', async () => {
      const problems: string[] = [];
      for (const endpoint of gets()) {
        for (const [, hostile] of HOSTILE_QUERIES.slice(0, 6)) {
          const url = urlOf(endpoint, hostile);
          const response = await send({ method: 'GET', url });
          const problem = problemOf(`GET ${url.slice(0, 100)} without a token`, response, {
            status: endpoint.authenticated ? 401 : 400,
          });
          if (problem) {
            problems.push(problem);
          }
        }
      }
      expect(problems).toEqual([]);
    });
  });

  describe('random input (fast-check)', () => {
    const bytes = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 30 }).map((text) => new TextEncoder().encode(text)),
      fc.uint8Array({ maxLength: 30 }),
    );

    it('never answers a random path segment with a 5xx, a stack or SQL', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...withParams()),
          bytes,
          fc.boolean(),
          async (endpoint, segment, withToken) => {
            const path = pathWith(endpoint, 0, percentEncode(segment));
            const response = await send({
              method: endpoint.method,
              url: path,
              headers: withToken ? auth : {},
              ...(endpoint.body ? { payload: VALID_BODIES[endpoint.route] ?? {} } : {}),
            });
            expect(problemOf(`${endpoint.method} ${path}`, response)).toBeUndefined();
          },
        ),
        { numRuns: 100 },
      );
    });

    it('never answers a random JSON body with a 5xx, a stack or SQL', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc
            .constantFrom(...withBody())
            .chain((endpoint) =>
              fc.tuple(
                fc.constant(endpoint),
                fc.oneof(
                  fc.jsonValue({ maxDepth: 4 }),
                  fc.record(
                    Object.fromEntries(
                      (endpoint.body ?? []).map((field) => [
                        field.name,
                        fc.oneof(
                          fc.jsonValue({ maxDepth: 3 }),
                          fc.string({ unit: 'binary', maxLength: 120 }),
                          fc.double(),
                          fc.integer(),
                        ),
                      ]),
                    ),
                    { requiredKeys: [] },
                  ),
                ),
              ),
            ),
          async ([endpoint, value]) => {
            const response = await send({
              method: endpoint.method,
              url: urlOf(endpoint),
              headers: { ...auth, 'content-type': 'application/json' },
              payload: JSON.stringify(value) ?? 'null',
            });
            expect(problemOf(`${endpoint.method} ${endpoint.template}`, response)).toBeUndefined();
          },
        ),
        { numRuns: 150 },
      );
    });

    it('never answers a random query string with a 5xx, a stack or SQL', async () => {
      const documented = new Set(gets().flatMap((endpoint) => endpoint.queryNames));
      const parameter = fc.tuple(
        fc.oneof(
          fc.constantFrom(...documented, '__proto__', 'constructor', 'toString'),
          bytes.map(percentEncode),
        ),
        fc.oneof(fc.string({ maxLength: 20 }).map(encodeURIComponent), bytes.map(percentEncode)),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...gets()),
          fc.array(parameter, { maxLength: 4 }),
          async (endpoint, parameters) => {
            const base = queryString(endpoint.baseQuery);
            const extra = parameters.map(([name, value]) => `${name}=${value}`).join('&');
            const url = urlOf(endpoint, [base, extra].filter(Boolean).join('&'));
            const response = await send({ method: 'GET', url, headers: auth });
            expect(problemOf(`GET ${url}`, response)).toBeUndefined();
          },
        ),
        { numRuns: 150 },
      );
    });

    it('leaves Object.prototype as it was after all of it', () => {
      expect(Object.getOwnPropertyDescriptors(Object.prototype)).toEqual(OBJECT_PROTOTYPE);
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
    });
  });
});
