import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type OperationObject,
  type ResponseObject,
} from '@nestjs/swagger';
import { errorCodesIn, errorExample } from '../common/errors/api-error-responses.decorator';
import { addRateLimitHeaders } from '../rate-limit/rate-limit.decorators';
import { sortKeys } from '../common/json/sort-keys';
import { DEFAULT_INTERACTION_TYPES } from '../config/app-config';
import { INTERACTION_TYPE_SCHEMA } from '../common/openapi/schema-types';

const DESCRIPTION = `Record and search interactions (meetings, calls, e-mails…) across sites.

Log in with \`POST /api/v1/auth/login\`, select a site with \`POST /api/v1/auth/site\` when you belong
to several, then send \`Authorization: Bearer <token>\`. Every path also answers without the
version segment (\`/api/...\`), as in the API document's examples; \`/api/v1\` is canonical.

Errors always have the shape \`{"error":{"code","message","details"?}}\`.`;

export interface OpenApiDocumentOptions {
  /**
   * The configured INTERACTION_TYPES, listed as the InteractionType enum. The committed document
   * (`npm run openapi`) uses the default list; the live one at /docs/openapi.json the configured.
   */
  interactionTypes?: readonly string[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

export function buildOpenApiDocument(
  app: INestApplication,
  options: OpenApiDocumentOptions = {},
): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Interaction Management System API')
    .setDescription(DESCRIPTION)
    .setVersion('1.0.0')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'RS256 access token from POST /api/v1/auth/login, issued and checked following the JWT best current practices of RFC8725 (explicit algorithm, `kid`, `exp`, audience-free single issuer). The session behind it is checked on every request.',
      },
      'bearer',
    )
    .addTag('Auth', 'Log in, sessions, site context, password reset')
    .addTag('Sites', 'Organisational sites and memberships')
    .addTag('Interactions', 'Meetings, calls, e-mails… of the current site')
    .addTag('Search', 'Free text, filters, date ranges and time windows in the current site')
    .addTag('Audit', 'Who changed what, when: the append-only trail of changes and security events')
    .addTag('Health', 'Liveness and readiness probes')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  markPublicOperations(document);
  addCommonErrorResponses(document);
  listInteractionTypes(document, options.interactionTypes ?? DEFAULT_INTERACTION_TYPES);
  addRateLimitHeaders(document);
  addRequestIdHeader(document);
  addErrorExamples(document);
  return sortKeys(document);
}

function operationsOf(document: OpenAPIObject): OperationObject[] {
  return Object.values(document.paths).flatMap((pathItem) =>
    METHODS.map((method) => pathItem[method]).filter((operation) => operation !== undefined),
  );
}

function responsesOf(operation: OperationObject): Array<[string, ResponseObject]> {
  return Object.entries(operation.responses as Record<string, ResponseObject>);
}

/** An operation without bearer security is public: say so explicitly, as `security: []`. */
function markPublicOperations(document: OpenAPIObject): void {
  for (const operation of operationsOf(document)) {
    operation.security ??= [];
  }
}

function envelopeResponse(description: string, headers?: ResponseObject['headers']): ResponseObject {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: {
      'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelopeDto' } },
    },
  };
}

/**
 * Errors any operation can answer, whatever its decorators say: the framework raises them before
 * (or around) the handler. Declared once here so no endpoint can forget them.
 */
function addCommonErrorResponses(document: OpenAPIObject): void {
  const retryAfter = { 'Retry-After': { $ref: '#/components/headers/Retry-After' } };
  for (const operation of operationsOf(document)) {
    const responses = operation.responses as Record<string, ResponseObject>;
    const hasBody = operation.requestBody !== undefined;
    const hasPathParameter = (operation.parameters ?? []).some(
      (parameter) => 'in' in parameter && parameter.in === 'path',
    );
    responses['400'] ??= envelopeResponse(
      hasBody
        ? 'Malformed JSON, or an unknown or invalid query/path parameter (BAD_REQUEST)'
        : 'Unknown or invalid query/path parameter (BAD_REQUEST)',
    );
    if (hasPathParameter) {
      responses['414'] ??= envelopeResponse(
        'A path parameter is longer than 200 characters (BAD_REQUEST)',
      );
    }
    if (hasBody) {
      responses['413'] ??= envelopeResponse('Body larger than BODY_LIMIT (PAYLOAD_TOO_LARGE)');
      responses['415'] ??= envelopeResponse(
        'Content-Type is not application/json (UNSUPPORTED_MEDIA_TYPE)',
      );
    }
    responses['500'] ??= envelopeResponse(
      'Unexpected failure (SERVER_ERROR); no internals are shown',
    );
    responses['503'] ??= envelopeResponse(
      'Database unavailable (SERVICE_UNAVAILABLE); retry after Retry-After seconds',
      retryAfter,
    );
    responses['503'].headers = { ...responses['503'].headers, ...retryAfter };
  }
}

/** The InteractionType enum lists the types this deployment accepts. */
function listInteractionTypes(document: OpenAPIObject, types: readonly string[]): void {
  const schemas = document.components?.schemas ?? {};
  schemas[INTERACTION_TYPE_SCHEMA] = {
    type: 'string',
    enum: [...types],
    description:
      'The configured INTERACTION_TYPES (this list is the default; a deployment may configure others, see its /docs/openapi.json). Matched case-insensitively on input; always returned in this spelling.',
  };
}

/** Every response carries X-Request-Id (DESIGN.md §4). */
function addRequestIdHeader(document: OpenAPIObject): void {
  document.components = {
    ...document.components,
    headers: {
      ...document.components?.headers,
      'X-Request-Id': {
        description:
          "The request's id: the caller's X-Request-Id when it is sane, else generated; logs carry it",
        schema: {
          type: 'string',
          maxLength: 128,
          pattern: '^[\\w.:-]{1,128}$',
          example: '3f0e8b1c-5d6a-4c1e-9a47-0d3c2b1a9f88',
        },
      },
    },
  };
  for (const operation of operationsOf(document)) {
    for (const [, response] of responsesOf(operation)) {
      response.headers = {
        ...response.headers,
        'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
      };
    }
  }
}

/** An example body (shared in components.examples) for each error code a response names. */
function addErrorExamples(document: OpenAPIObject): void {
  const examples: NonNullable<NonNullable<OpenAPIObject['components']>['examples']> = {};
  for (const operation of operationsOf(document)) {
    for (const [, response] of responsesOf(operation)) {
      const media = response.content?.['application/json'];
      const schema = media?.schema as { $ref?: string } | undefined;
      if (!media || schema?.$ref !== '#/components/schemas/ErrorEnvelopeDto') {
        continue;
      }
      const codes = errorCodesIn(response.description);
      media.examples = Object.fromEntries(
        codes.map((code) => [code, { $ref: `#/components/examples/${code}` }]),
      );
      for (const code of codes) {
        examples[code] = errorExample(code);
      }
    }
  }
  document.components = { ...document.components, examples };
}
