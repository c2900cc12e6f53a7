import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { pendingMigrations, runMigrationsLocked } from './migrate';

/**
 * Brings the schema up to date before the app serves; with DB_MIGRATE=false (migrations run as a
 * job, `migrate`), refuses to serve a schema that job has not brought up to date. Then says so when
 * the database's sessions do not run with the configured timeouts.
 */
@Injectable()
export class DatabaseStartup implements OnModuleInit {
  private readonly logger = new Logger('Database');
  private migrating?: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.schemaReady();
    await this.checkSessionLimits();
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

  /**
   * The pool sends DB_STATEMENT_TIMEOUT, DB_LOCK_TIMEOUT and DB_IDLE_IN_TRANSACTION_TIMEOUT as
   * startup parameters (data-source.ts). A pooler in transaction mode cannot carry them (PgBouncer
   * refuses them, or drops them with ignore_startup_parameters): the sessions then run with the
   * role's settings, and a difference is said once here rather than found in an outage.
   */
  private async checkSessionLimits(): Promise<void> {
    const expected: Record<string, { variable: string; ms: number }> = {
      statement_timeout: { variable: 'DB_STATEMENT_TIMEOUT', ms: this.config.dbStatementTimeoutMs },
      lock_timeout: { variable: 'DB_LOCK_TIMEOUT', ms: this.config.dbLockTimeoutMs },
      idle_in_transaction_session_timeout: {
        variable: 'DB_IDLE_IN_TRANSACTION_TIMEOUT',
        ms: this.config.dbIdleInTransactionTimeoutMs,
      },
    };
    const settings = await this.dataSource.query<Array<{ name: string; setting: string }>>(
      `SELECT name, setting FROM pg_settings WHERE name = ANY($1)`,
      [Object.keys(expected)],
    );
    const differences = settings
      .filter(({ name, setting }) => Number(setting) !== expected[name].ms)
      .map(
        ({ name, setting }) =>
          `${name} is ${setting} ms, ${expected[name].variable} ${expected[name].ms} ms`,
      );
    if (differences.length > 0) {
      this.logger.warn(
        `the database sessions do not run with the configured timeouts (${differences.join('; ')}): a pooler in between does not pass them on; set them on the database role (docs/deployment.md, "Behind PgBouncer")`,
      );
    }
  }
}
