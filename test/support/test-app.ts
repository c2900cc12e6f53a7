import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { APP_OPTIONS, createFastifyAdapter, setupApp } from '../../src/app.setup';
import { loadConfig, type AppConfig } from '../../src/config/app-config';
import { documentValidator } from './openapi-response-validator';
import { StatementCounter } from './statement-counter';
import { createTestDatabase } from './test-database';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  dataSource: DataSource;
  /** Present with `countStatements: true`: the SQL statements each request sends. */
  statements?: StatementCounter;
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/**
 * The real app, through the same setupApp() as main.ts, on its own freshly migrated database.
 * `env` overrides environment variables (as strings, exactly as an operator would set them).
 * `controllers` adds test-only routes (e.g. a probe carrying a decorator no real route uses yet).
 * `databaseUrl` runs it on a database the test manages itself (e.g. one it stops and restarts).
 * `countStatements` counts the SQL statements of each request (test/support/statement-counter.ts).
 */
export async function createTestApp(
  env: Record<string, string> = {},
  options: {
    controllers?: Array<Type<unknown>>;
    databaseUrl?: string;
    countStatements?: boolean;
  } = {},
): Promise<TestApp> {
  const database = options.databaseUrl
    ? { url: options.databaseUrl, drop: () => Promise.resolve() }
    : await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'ims-test-data-'));
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    SEED_DEMO: 'false',
    DATA_DIR: dataDir,
    // Tests are not about rate limits unless they say so (test/e2e/rate-limit*.e2e-spec.ts).
    RATE_LIMIT_AUTH: '100000',
    RATE_LIMIT_SEARCH: '100000',
    RATE_LIMIT_AUTHENTICATED: '100000',
    RATE_LIMIT_ANONYMOUS: '100000',
    ...env,
    DATABASE_URL: database.url,
  });
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(config)],
    controllers: options.controllers ?? [],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(
    createFastifyAdapter(config),
    {
      ...APP_OPTIONS,
      logger: false,
    },
  );
  setupApp(app, config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const dataSource = app.get(DataSource);
  let statements: StatementCounter | undefined;
  if (options.countStatements) {
    statements = new StatementCounter();
    statements.install(dataSource);
  }

  return {
    app,
    config,
    dataSource,
    statements,
    request: async (options) => {
      const response = await app.inject(options);
      await assertDocumented(options, response);
      return response;
    },
    close: async () => {
      await app.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Every response a test receives must be what the OpenAPI document declares for its operation,
 * status and content type (test/support/openapi-response-validator.ts), so the document cannot
 * drift from the behaviour.
 */
async function assertDocumented(
  options: InjectOptions | string,
  response: LightMyRequestResponse,
): Promise<void> {
  const request = typeof options === 'string' ? { url: options } : options;
  const url = request.url ?? request.path ?? '/';
  const problem = (await documentValidator()).check({
    method: request.method ?? 'GET',
    url: typeof url === 'string' ? url : (url.pathname ?? '/'),
    statusCode: response.statusCode,
    contentType: response.headers['content-type'] as string | undefined,
    body: response.body,
  });
  if (problem) {
    throw new Error(`Response differs from the OpenAPI document: ${problem}`);
  }
}
