import type { PoolConfig } from 'pg';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseSsl } from '../config/app-config';
import { GuardedClient } from './guarded-client';
import { MIGRATIONS } from './migrations';
import { UnnamedStatementsClient } from './unnamed-statements-client';

export interface DatabaseOptions {
  url: string;
  /** The application's entities (src/entities.ts): the database layer does not know the features. */
  entities: NonNullable<DataSourceOptions['entities']>;
  poolSize?: number;
  /** false (DB_PREPARED_STATEMENTS): every statement unnamed, for a pooler in transaction mode. */
  preparedStatements?: boolean;
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** The bounds of a serving process (AppConfig); the CLI's long jobs go without them. */
  limits?: {
    lockTimeoutMs: number;
    idleInTransactionTimeoutMs: number;
  };
  keepAliveIdleMs?: number;
  applicationName?: string;
  /** TLS to the server (DATABASE_SSL); a `sslmode` in the URL applies when this is absent. */
  ssl?: false | DatabaseSsl;
}

/** One definition for the app, ormconfig.ts (TypeORM CLI) and the project CLI. */
export function buildDataSourceOptions(options: DatabaseOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: options.url,
    entities: options.entities,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    // Each migration in its own transaction, but those building indexes CONCURRENTLY in none.
    migrationsTransactionMode: 'each',
    synchronize: false,
    // gen_random_uuid() is built into PostgreSQL 13+; extensions come only from migrations.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    migrationsRun: false,
    // Failed queries reach the exception filter, which logs them with parameters redacted.
    logging: ['migration'],
    poolSize: options.poolSize ?? 10,
    applicationName: options.applicationName ?? 'interaction-api',
    ...(options.ssl ? { ssl: options.ssl } : {}),
    extra: {
      Client: options.preparedStatements === false ? UnnamedStatementsClient : GuardedClient,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      idleTimeoutMillis: 30_000,
      statement_timeout: options.statementTimeoutMs ?? 15_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: options.keepAliveIdleMs ?? 10_000,
      ...(options.limits
        ? {
            lock_timeout: options.limits.lockTimeoutMs,
            idle_in_transaction_session_timeout: options.limits.idleInTransactionTimeoutMs,
          }
        : {}),
    },
  };
}

/**
 * A pg pool's config with the same bounds as the primary's pool (TypeORM builds that one from
 * buildDataSourceOptions the same way): for the replicas of DATABASE_REPLICA_URLS.
 */
export function poolConfigOf(options: DatabaseOptions): PoolConfig {
  const built = buildDataSourceOptions(options) as Extract<DataSourceOptions, { type: 'postgres' }>;
  return {
    connectionString: options.url,
    max: built.poolSize,
    application_name: built.applicationName,
    ...(built.ssl ? { ssl: built.ssl as PoolConfig['ssl'] } : {}),
    ...(built.extra as PoolConfig),
  };
}
