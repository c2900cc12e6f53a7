import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { OpenAPIObject, OperationObject, ResponseObject } from '@nestjs/swagger';
import { versionedUrl } from '../../src/app.setup';
import { generateOpenApiJson } from '../../src/openapi/generate';

/** What the validator needs to know about one exchange. */
export interface ObservedExchange {
  method: string;
  /** As sent, e.g. `/api/interactions/7?x=1` (the `/api` alias is normalised). */
  url: string;
  statusCode: number;
  contentType: string | undefined;
  body: string;
}

/**
 * Requests the document does not describe, on purpose. Everything else must be in it: an
 * undocumented path, method or status fails the test that caused it.
 */
const EXEMPT: Array<{ method?: string; path: RegExp; reason: string }> = [
  { path: /^\/docs(\/|$)/, reason: 'Swagger UI and the document itself, not API operations' },
  { method: 'OPTIONS', path: /./, reason: 'CORS preflight, answered by @fastify/cors' },
  {
    path: /^\/metrics$/,
    reason: 'Prometheus exposition for the monitoring system, not an API operation (src/metrics)',
  },
  {
    path: /^\/api\/v1\/search\/probe$/,
    reason: 'test-only route (test/support/search-probe.controller.ts)',
  },
];

const ENVELOPE = '#/components/schemas/ErrorEnvelopeDto';
type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch';

interface PathTemplate {
  template: string;
  pattern: RegExp;
  parameters: number;
}

/**
 * Checks response bodies against the OpenAPI document: the schema declared for the operation
 * matched by method and path template, the status and the content type.
 *
 * Stricter than the document in one way: an object schema that does not say otherwise is treated
 * as closed (`additionalProperties: false`), so a field the server sends but the document does not
 * declare is caught too.
 */
export class ResponseValidator {
  private readonly ajv: Ajv;
  private readonly templates: PathTemplate[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenAPIObject) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema(closeObjects(structuredClone(document)), 'openapi.json');
    this.templates = Object.keys(document.paths)
      .map((template) => ({
        template,
        pattern: new RegExp(
          `^${template
            .split(/\{[^}]+\}/)
            .map(escapeRegExp)
            .join('[^/]+')}$`,
        ),
        parameters: (template.match(/\{/g) ?? []).length,
      }))
      // A literal segment wins over a parameter, as in the router.
      .sort((a, b) => a.parameters - b.parameters);
  }

  /** A description of what is wrong, or undefined when the response matches the document. */
  check(exchange: ObservedExchange): string | undefined {
    const method = exchange.method.toUpperCase();
    const path = versionedUrl(exchange.url).split('?')[0];
    const label = `${method} ${exchange.url} → ${exchange.statusCode}`;
    if (EXEMPT.some((rule) => (rule.method ?? method) === method && rule.path.test(path))) {
      return undefined;
    }
    const isJson = /^application\/json\b/.test(exchange.contentType ?? '');
    const template = this.templates.find((candidate) => candidate.pattern.test(path));
    const operation: OperationObject | undefined = template
      ? this.document.paths[template.template][method.toLowerCase() as HttpMethod]
      : undefined;

    if (!template || !operation) {
      // Unknown routes and unsupported methods are 404 NOT_FOUND (docs/decisions.md): no
      // operation can declare them, but their body must still be the envelope.
      if (exchange.statusCode === 404 && isJson) {
        return this.validate(label, { $ref: ENVELOPE }, exchange.body, 'the error envelope');
      }
      return `${label}: ${template ? `no ${method} operation on ${template.template}` : `no path of the OpenAPI document matches ${path}`} (document it, or exempt it in test/support/openapi-response-validator.ts with a reason)`;
    }

    const responses = operation.responses as Record<string, ResponseObject>;
    const status = String(exchange.statusCode);
    const key = [status, `${status[0]}XX`, 'default'].find((candidate) => candidate in responses);
    const where = `${operation.operationId ?? template.template} responses[${status}]`;
    if (!key) {
      return `${label}: status ${status} is not documented for ${operation.operationId} (documented: ${Object.keys(responses).join(', ')})`;
    }
    const response = responses[key];
    if (exchange.statusCode === 304 || exchange.body.length === 0 || !isJson) {
      return undefined;
    }
    const schema = response.content?.['application/json']?.schema;
    if (!schema) {
      return `${label}: ${where} declares no application/json body, but one was sent: ${exchange.body.slice(0, 200)}`;
    }
    const pointer = [
      'paths',
      template.template,
      method.toLowerCase(),
      'responses',
      key,
      'content',
      'application/json',
      'schema',
    ]
      .map((segment) => segment.replace(/~/g, '~0').replace(/\//g, '~1'))
      .join('/');
    return this.validate(label, { $ref: `openapi.json#/${pointer}` }, exchange.body, where);
  }

  private validate(label: string, schema: { $ref: string }, body: string, where: string) {
    const ref = schema.$ref.startsWith('#') ? `openapi.json${schema.$ref}` : schema.$ref;
    let validate = this.compiled.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.compiled.set(ref, validate);
    }
    let data: unknown;
    try {
      data = JSON.parse(body);
    } catch {
      return `${label}: the body is not JSON although its Content-Type says so`;
    }
    if (validate(data)) {
      return undefined;
    }
    const problems = (validate.errors ?? [])
      .map(
        (error) =>
          `  ${error.instancePath || '(body)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`,
      )
      .join('\n');
    return `${label}: the body does not match ${where}:\n${problems}\nbody: ${body.slice(0, 500)}`;
  }
}

/** Objects with declared properties and no word on others are closed (see ResponseValidator). */
function closeObjects<T>(node: T): T {
  if (Array.isArray(node)) {
    node.forEach(closeObjects);
  } else if (node && typeof node === 'object') {
    const schema = node as Record<string, unknown>;
    if (
      schema.type === 'object' &&
      schema.properties &&
      schema.additionalProperties === undefined
    ) {
      schema.additionalProperties = false;
    }
    Object.values(schema).forEach(closeObjects);
  }
  return node;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

let shared: Promise<ResponseValidator> | undefined;

/** The validator for the document the code generates (the committed one), built once per process. */
export function documentValidator(): Promise<ResponseValidator> {
  shared ??= generateOpenApiJson().then(
    (json) => new ResponseValidator(JSON.parse(json) as OpenAPIObject),
  );
  return shared;
}
