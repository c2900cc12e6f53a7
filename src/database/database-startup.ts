import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { pendingMigrations, runMigrationsLocked } from './migrate';

/**
 * Brings the schema up to date before the app serves; with DB_MIGRATE=false (migrations run as a
 * job, `migrate`), refuses to serve a schema that job has not brought up to date.
 */
@Injectable()
export class DatabaseStartup implements OnModuleInit {
  private readonly logger = new Logger('Database');
  private migrating?: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): Promise<void> {
    return this.schemaReady();
  }

  /** Resolves once the schema is current, whichever module's start hook asks first. */
  schemaReady(): Promise<void> {
    this.migrating ??= this.migrate();
    return this.migrating;
  }

  private async migrate(): Promise<void> {
    if (!this.config.runMigrations) {
      const pending = await pendingMigrations(this.dataSource);
      if (pending.length > 0) {
        throw new Error(
          `DB_MIGRATE=false and the database lacks ${pending.length} migration(s) (${pending.join(', ')}): run the migrate job (npm run migrate, or node dist/src/cli/main.js migrate) first`,
        );
      }
      return;
    }
    const applied = await runMigrationsLocked(this.dataSource);
    if (applied > 0) {
      this.logger.log(`applied ${applied} migration(s)`);
    }
  }
}
