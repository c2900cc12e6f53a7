import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { APP_OPTIONS, createFastifyAdapter, setupApp } from './app.setup';
import { loadConfig, type AppConfig } from './config/app-config';
import { ConfigurationError } from './config/configuration-error';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './database/embedded-postgres';
import { ShutdownState } from './health/shutdown-state';

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  let embedded: EmbeddedDatabase | undefined;
  if (!config.databaseUrl) {
    embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPostgresPort, (message) =>
      process.stderr.write(`${message}\n`),
    );
    config.databaseUrl = embedded.url;
  }

  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    createFastifyAdapter(config),
    APP_OPTIONS,
  );
  setupApp(app, config);
  await app.listen(config.port, config.host);
  const logger = app.get(Logger);
  logger.log(`listening on ${await app.getUrl()} (docs at /docs)`, 'Bootstrap');

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) {
      return;
    }
    stopping = true;
    app.get(ShutdownState).begin();
    logger.log(
      `${signal} received: not ready; serving ${config.shutdownReadyDelayMs} ms more, then draining requests and shutting down`,
      'Bootstrap',
    );
    // The gateway learns from /health/ready (503 now) and stops routing here before the drain.
    await new Promise((resolve) => setTimeout(resolve, config.shutdownReadyDelayMs));
    const deadline = setTimeout(() => {
      logger.error(
        `requests still running after ${config.shutdownGracePeriodMs} ms: exiting anyway`,
        'Bootstrap',
      );
      process.exit(1);
    }, config.shutdownGracePeriodMs);
    deadline.unref();
    await app.close();
    await embedded?.stop();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void shutdown(signal));
  }
}

void bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
