import type { IncomingMessage } from 'node:http';
import { VersioningType, type INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { toErrorResponse } from './common/errors/error-response';
import { AppValidationPipe } from './common/errors/validation.pipe';
import {
  clientConnectionOptions,
  closeConnectionsWhenStopping,
} from './common/http/client-connections';
import { useStrictJsonParser } from './common/http/json-body-parser';
import { REQUEST_ID_HEADER, requestIdOf } from './common/http/request-id';
import { useRequestLog } from './common/http/request-log';
import { helmetHeaders } from './common/http/security-headers';
import { UnknownQueryGuard } from './common/http/unknown-query.guard';
import type { AppConfig } from './config/app-config';
import { ShutdownState } from './health/shutdown-state';
import { MetricsService } from './metrics/metrics.service';
import { buildOpenApiDocument } from './openapi/openapi-document';
import { noteWritesForReplicas } from './auth/access/read-your-writes';
import { ReplicaSet } from './database/replicas/replica-set';
import { PrincipalResolver } from './auth/principal-resolver';
import { useImportBodyParsers } from './interactions/transfer/import-body';

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

export function createFastifyAdapter(
  config: Pick<AppConfig, 'bodyLimitBytes' | 'trustProxy' | 'requestTimeoutMs' | 'maxConnections'>,
): FastifyAdapter {
  const adapter = new FastifyAdapter({
    ...clientConnectionOptions(config),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: trustProxyOption(config.trustProxy),
    genReqId: requestIdOf,
    requestIdHeader: false,
    logger: false,
    rewriteUrl: (request: IncomingMessage) => versionedUrl(request.url ?? '/'),
    // Long enough for every path parameter we validate ourselves (e.g. lead ≤ 100 characters).
    routerOptions: { maxParamLength: 200 },
    // Errors Fastify raises before routing (malformed URL, over-long parameter) get the envelope too.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      const response = toErrorResponse(error);
      void reply
        .status(response.status)
        .headers({ ...response.headers, [REQUEST_ID_HEADER]: request.id })
        .send(response.body);
    },
  });
  if (config.maxConnections > 0) {
    adapter.getInstance().server.maxConnections = config.maxConnections;
  }
  return adapter;
}

/**
 * request.ip (the key of the per-IP rate limits) comes from X-Forwarded-For only through trusted
 * proxies. Fastify 5 no longer honours a hop count (a number trusts nothing), so a count N becomes
 * "trust the N nearest hops", as Express and earlier Fastify versions did.
 */
export function trustProxyOption(
  trust: AppConfig['trustProxy'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

/** `/api/x` is an alias of the canonical `/api/v1/x` (DESIGN.md §3). */
export function versionedUrl(url: string): string {
  return /^\/api(\/(?!v\d+(?:[/?]|$))|\?|$)/.test(url) ? url.replace(/^\/api/, '/api/v1') : url;
}

/** Prefix and versioning, shared by the running app and the offline OpenAPI generator. */
export function configureRouting(app: INestApplication): void {
  app.setGlobalPrefix('api', {
    exclude: ['health/{*path}', '.well-known/{*path}', 'metrics'],
  });
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
}

/** Everything app-wide, in one place, for main.ts and the e2e tests alike. */
export function setupApp(app: NestFastifyApplication, config: AppConfig): void {
  app.useLogger(app.get(Logger));
  app.flushLogs();
  configureRouting(app);
  app.useGlobalPipes(new AppValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  // Runs after AuthModule's APP_GUARDs (rate limit, then access), which Nest registered first.
  app.useGlobalGuards(new UnknownQueryGuard());

  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser(['text/plain']);
  useStrictJsonParser(fastify);
  const principals = app.get(PrincipalResolver);
  useImportBodyParsers(fastify, (request) => principals.forRequest(request));
  const securityHeaders = helmetHeaders();
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.headers(securityHeaders).header(REQUEST_ID_HEADER, request.id);
    done();
  });
  const metrics = app.get(MetricsService);
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.recordResponse(request, reply);
    done();
  });
  useRequestLog(fastify);
  const shutdown = app.get(ShutdownState);
  closeConnectionsWhenStopping(fastify, () => shutdown.isShuttingDown);
  noteWritesForReplicas(fastify, app.get(ReplicaSet));

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

  const document = buildOpenApiDocument(app, { interactionTypes: config.interactionTypes });
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs/openapi.json',
    yamlDocumentUrl: 'docs/openapi.yaml',
    swaggerOptions: { persistAuthorization: true },
  });
}
