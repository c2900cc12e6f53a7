import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../app.module';
import { APP_OPTIONS, configureRouting, createFastifyAdapter } from '../app.setup';
import { loadConfig } from '../config/app-config';
import { buildOpenApiDocument } from './openapi-document';

/** The document as the code defines it, built without a database or a listening server. */
export async function generateOpenApiJson(): Promise<string> {
  const config = loadConfig({ DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused', LOG_LEVEL: 'silent' });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), createFastifyAdapter(config), {
    ...APP_OPTIONS,
    preview: true,
    logger: false,
  });
  configureRouting(app);
  const json = `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`;
  await app.close();
  return json;
}

export const OPENAPI_PATH = join(__dirname, '..', '..', 'openapi', 'openapi.json');

if (require.main === module) {
  void generateOpenApiJson().then(async (json) => {
    const target = join(process.cwd(), 'openapi', 'openapi.json');
    await writeFile(target, json);
    process.stdout.write(`wrote ${target}\n`);
  });
}
