import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { buildDataSourceOptions, type DatabaseOptions } from './data-source';
import { DatabaseStartup } from './database-startup';
import { StatementWatchdog } from './statement-watchdog';

/** The pool, the schema brought up to date, the query watchdog. The entities come from the app. */
@Module({})
export class DatabaseModule {
  static forRoot(entities: DatabaseOptions['entities']): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
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
                entities,
                poolSize: config.dbPoolSize,
                preparedStatements: config.dbPreparedStatements,
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
      exports: [DatabaseStartup],
    };
  }
}
