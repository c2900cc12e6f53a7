import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { buildDataSourceOptions } from './data-source';
import { DatabaseStartup } from './database-startup';
import { StatementWatchdog } from './statement-watchdog';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        if (!config.databaseUrl) {
          throw new Error(
            'databaseUrl must be resolved (embedded or DATABASE_URL) before the app starts',
          );
        }
        return {
          ...buildDataSourceOptions({
            url: config.databaseUrl,
            poolSize: config.dbPoolSize,
            statementTimeoutMs: config.dbStatementTimeoutMs,
            connectTimeoutMs: config.dbConnectTimeoutMs,
            limits: {
              lockTimeoutMs: config.dbLockTimeoutMs,
              idleInTransactionTimeoutMs: config.dbIdleInTransactionTimeoutMs,
            },
            keepAliveIdleMs: config.dbKeepAliveIdleMs,
            ssl: config.databaseSsl,
          }),
          retryAttempts: 0,
        };
      },
    }),
  ],
  providers: [DatabaseStartup, StatementWatchdog],
})
export class DatabaseModule {}
