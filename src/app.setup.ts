import type { IncomingMessage } from 'node:http';
import helmet from '@fastify/helmet';
import { VersioningType, type INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { AppValidationPipe } from './common/errors/validation.pipe';
import { REQUEST_ID_HEADER, requestIdOf } from './common/http/request-id';
import { UnknownQueryGuard } from './common/http/unknown-query.guard';
import type { AppConfig } from './config/app-config';
import { buildOpenApiDocument } from './openapi/openapi-document';

const EXPOSED_HEADERS = [
  'X-Request-Id',
  'ETag',
  'Retry-After',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
];

/**
 * Nest's own body parsers are off: Fastify's built-in JSON parser is the only one, so any other
 * content type is answered 415.
 */
export const APP_OPTIONS = { bodyParser: false, bufferLogs: true } as const;

export function createFastifyAdapter(config: Pick<AppConfig, 'bodyLimitBytes'>): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    genReqId: requestIdOf,
    requestIdHeader: false,
    logger: false,
    rewriteUrl: (request: IncomingMessage) => versionedUrl(request.url ?? '/'),
  });
}

/** `/api/x` is an alias of the canonical `/api/v1/x` (DESIGN.md §3). */
export function versionedUrl(url: string): string {
  return /^\/api(\/(?!v\d+(?:[/?]|$))|\?|$)/.test(url) ? url.replace(/^\/api/, '/api/v1') : url;
}

/** Prefix and versioning, shared by the running app and the offline OpenAPI generator. */
export function configureRouting(app: INestApplication): void {
  app.setGlobalPrefix('api', { exclude: ['health/(.*)', '.well-known/(.*)'] });
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
}

/** Everything app-wide, in one place, for main.ts and the e2e tests alike. */
export async function setupApp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  app.useLogger(app.get(Logger));
  app.flushLogs();
  configureRouting(app);
  app.useGlobalPipes(new AppValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  app.useGlobalGuards(new UnknownQueryGuard());

  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser(['text/plain']);
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        upgradeInsecureRequests: null,
      },
    },
  });
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
      exposedHeaders: EXPOSED_HEADERS,
      allowedHeaders: [
        'Authorization',
        'Content-Type',
        'If-Match',
        'Idempotency-Key',
        'X-Request-Id',
      ],
      maxAge: 600,
    });
  }

  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs/openapi.json',
    yamlDocumentUrl: 'docs/openapi.yaml',
    swaggerOptions: { persistAuthorization: true },
  });
}
