import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { runMigrationsLocked } from './migrate';
import { DEMO_PASSWORD, demoAccountsWithDemoPassword, seedDemoData } from './seeds/demo.seed';

/** Brings the schema up to date and, where configured, seeds demo data before the app serves. */
@Injectable()
export class DatabaseStartup implements OnModuleInit {
  private readonly logger = new Logger('Database');

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.runMigrations) {
      const applied = await runMigrationsLocked(this.dataSource);
      if (applied > 0) {
        this.logger.log(`applied ${applied} migration(s)`);
      }
    }
    if (this.config.production) {
      const open = await demoAccountsWithDemoPassword(this.dataSource);
      if (open.length > 0) {
        throw new Error(
          `refusing to start with NODE_ENV=production: demo accounts sign in with the published demo password (${open.join(', ')}); change their passwords (npm run cli -- password:set) or delete them`,
        );
      }
    }
    if (this.config.seedDemo) {
      if (await seedDemoData(this.dataSource)) {
        this.logger.log('seeded demo data');
      }
      this.logger.warn(
        `demo data is enabled: admin@example.com, alice@example.com and bob@example.com sign in with "${DEMO_PASSWORD}". Do not expose this instance.`,
      );
    }
  }
}
