import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { buildDataSourceOptions, poolConfigOf, type DatabaseOptions } from './data-source';
import { DatabaseStartup } from './database-startup';
import { ReplicaSet } from './replicas/replica-set';
import { SessionWritePositions } from './replicas/session-write-positions';
import { StatementWatchdog } from './statement-watchdog';

/**
 * The primary's pool, the replicas', the schema brought up to date, the query watchdog. The
 * entities come from the app.
 */
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
              ...buildDataSourceOptions(serverOptions(config, config.databaseUrl, entities)),
              retryAttempts: 0,
            };
          },
        }),
      ],
      providers: [
        DatabaseStartup,
        StatementWatchdog,
        SessionWritePositions,
        {
          provide: ReplicaSet,
          inject: [DataSource, AppConfig, SessionWritePositions],
          useFactory: (dataSource: DataSource, config: AppConfig, writes: SessionWritePositions) =>
            new ReplicaSet(dataSource, config, writes, (url) =>
              poolConfigOf(serverOptions(config, url, entities)),
            ),
        },
      ],
      exports: [DatabaseStartup, ReplicaSet],
    };
  }
}

/** The bounds of a serving process's connections, to the primary or to a replica. */
function serverOptions(
  config: AppConfig,
  url: string,
  entities: DatabaseOptions['entities'],
): DatabaseOptions {
  return {
    url,
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
  };
}
