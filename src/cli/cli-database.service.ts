import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config';
import { buildDataSourceOptions } from '../database/data-source';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../database/embedded-postgres';
import { runMigrationsLocked } from '../database/migrate';
import { ENTITIES } from '../entities';

/**
 * The CLI's connection: DATABASE_URL, or the embedded server of DATA_DIR (the API's own when it
 * is running). Opened on first use, so `--help` and argument errors never start PostgreSQL.
 */
@Injectable()
export class CliDatabaseService implements OnApplicationShutdown {
  private opening?: Promise<DataSource>;
  private embedded?: EmbeddedDatabase;
  /** How many migrations opening the database applied (every command brings the schema up). */
  appliedMigrations = 0;

  dataSource(): Promise<DataSource> {
    this.opening ??= this.open();
    return this.opening;
  }

  async onApplicationShutdown(): Promise<void> {
    const dataSource = await this.opening?.catch(() => undefined);
    await dataSource?.destroy();
    await this.embedded?.stop();
  }

  private async open(): Promise<DataSource> {
    const config = loadConfig(process.env, 'job');
    let url = config.databaseUrl;
    if (url === undefined) {
      this.embedded = await startEmbeddedPostgres(
        config.dataDir,
        config.embeddedPostgresPort,
        logToStderr,
      );
      url = this.embedded.url;
    }
    const dataSource = new DataSource({
      ...buildDataSourceOptions({
        url,
        entities: ENTITIES,
        poolSize: 2,
        applicationName: 'interaction-cli',
        ssl: config.databaseSsl,
      }),
      // TypeORM would print failed queries, parameters (password hashes) included, to stdout.
      logging: false,
    });
    await dataSource.initialize();
    try {
      this.appliedMigrations = await runMigrationsLocked(dataSource);
      if (this.appliedMigrations > 0) {
        logToStderr(`applied ${this.appliedMigrations} migration(s)`);
      }
    } catch (error) {
      await dataSource.destroy();
      throw error;
    }
    return dataSource;
  }
}

/** stdout carries only the command's one-line result, so scripts can capture it. */
function logToStderr(message: string): void {
  process.stderr.write(`${message}\n`);
}
