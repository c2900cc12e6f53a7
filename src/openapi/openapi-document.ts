import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { addRateLimitHeaders } from '../common/rate-limit/rate-limit.decorators';
import { sortKeys } from '../common/json/sort-keys';

const DESCRIPTION = `Record and search interactions (meetings, calls, e-mails…) across sites.

Log in with \`POST /api/v1/auth/login\`, select a site with \`POST /api/v1/auth/site\` when you belong
to several, then send \`Authorization: Bearer <token>\`. Every path also answers without the
version segment (\`/api/...\`), as in the API document's examples; \`/api/v1\` is canonical.

Errors always have the shape \`{"error":{"code","message","details"?}}\`.`;

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Interaction Management System API')
    .setDescription(DESCRIPTION)
    .setVersion('1.0.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .addTag('Auth', 'Log in, sessions, site context, password reset')
    .addTag('Sites', 'Organisational sites and memberships')
    .addTag('Interactions', 'Meetings, calls, e-mails… of the current site')
    .addTag('Search', 'Free text, filters, date ranges and time windows in the current site')
    .addTag('Health', 'Liveness and readiness probes')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  markPublicOperations(document);
  addRateLimitHeaders(document);
  return sortKeys(document);
}

/** An operation without bearer security is public: say so explicitly, as `security: []`. */
function markPublicOperations(document: OpenAPIObject): void {
  for (const pathItem of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = pathItem[method];
      if (operation && !operation.security) {
        operation.security = [];
      }
    }
  }
}
