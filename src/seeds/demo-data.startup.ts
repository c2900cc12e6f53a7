import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { DatabaseStartup } from '../database/database-startup';
import { DEMO_PASSWORD, demoAccountsWithDemoPassword, seedDemoData } from './demo.seed';

/**
 * Seeds demo data where configured (SEED_DEMO), and refuses a production start while demo
 * accounts still sign in with the published demo password.
 */
@Injectable()
export class DemoDataStartup implements OnModuleInit {
  private readonly logger = new Logger('Database');

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly databaseStartup: DatabaseStartup,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.databaseStartup.schemaReady();
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
