import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { runMigrationsLocked } from './migrate';

/** Brings the schema up to date (unless DB_MIGRATE=false) before the app serves. */
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
      return;
    }
    const applied = await runMigrationsLocked(this.dataSource);
    if (applied > 0) {
      this.logger.log(`applied ${applied} migration(s)`);
    }
  }
}
