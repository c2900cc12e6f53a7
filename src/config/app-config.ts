import { createPrivateKey, createPublicKey } from 'node:crypto';
import { resolve } from 'node:path';
import { ConfigurationError } from './configuration-error';
import { durationToMs, parseEnvironment, type Environment } from './environment';
import { normalisePem, parseTrustProxy, splitPemBlocks } from './environment.validators';

/** TOTAL_LIMIT's default (DESIGN.md §7), as Elasticsearch's `track_total_hits`. */
export const DEFAULT_TOTAL_LIMIT = 10_000;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The validated, typed configuration every module reads; built once at start. */
export class AppConfig {
  /** NODE_ENV=production: no development fallbacks (generated keys, embedded database, demo data). */
  production: boolean;
  port: number;
  host: string;
  /** Absent means: start the embedded PostgreSQL under dataDir. */
  databaseUrl?: string;
  /** TLS to PostgreSQL: false, or node-postgres `ssl` options. */
  databaseSsl: false | DatabaseSsl;
  /** Streaming replicas that serve site reads and searches (DATABASE_REPLICA_URLS). */
  databaseReplicaUrls: string[];
  /** A replica further behind the primary than this is skipped. */
  dbReplicaMaxLagMs: number;
  /** Deleted interactions are purged from the trash this long after their deletion. */
  trashRetentionMs: number;
  /** How often each instance tries to purge (one at a time does: TrashRetention). */
  trashPurgeIntervalMs: number;
  dataDir: string;
  embeddedPostgresPort: number;
  runMigrations: boolean;
  /**
   * false (DB_PREPARED_STATEMENTS) for a pooler in transaction mode that cannot carry a named
   * prepared statement from one transaction to the next (PgBouncer before 1.21): every statement
   * then goes unnamed.
   */
  dbPreparedStatements: boolean;
  dbPoolSize: number;
  /** PostgreSQL cancels a statement running longer (the request then fails with 503). */
  dbStatementTimeoutMs: number;
  /** A search's statement is cancelled after this (503 with Retry-After). */
  dbSearchTimeoutMs: number;
  /** How long a request waits to open a connection before it fails with 503. */
  dbConnectTimeoutMs: number;
  /**
   * The client's own bound on a statement's answer: past it the connection is dropped and the
   * request gets 503. It ends the waits PostgreSQL cannot (a network partition, a hung server).
   */
  dbQueryTimeoutMs: number;
  /** PostgreSQL's lock_timeout: a statement waiting longer for a lock fails (503). */
  dbLockTimeoutMs: number;
  /** PostgreSQL's idle_in_transaction_session_timeout: it ends a session stuck in a transaction. */
  dbIdleInTransactionTimeoutMs: number;
  /** Idle time before TCP keepalive probes start on a database connection. */
  dbKeepAliveIdleMs: number;
  seedDemo: boolean;
  accessTokenTtlMs: number;
  refreshTokenTtlMs: number;
  passwordResetTtlMs: number;
  jwtPrivateKey?: string;
  jwtPublicKey?: string;
  /** Retired signing keys whose tokens stay valid until they expire (key rotation). */
  jwtPreviousPublicKeys: string[];
  jwtIssuer: string;
  logLevel: LogLevel;
  /** Empty: CORS disabled; ['*']: any origin. */
  corsOrigins: string[];
  bodyLimitBytes: number;
  smtpUrl?: string;
  mailFrom: string;
  passwordResetUrl: string;
  /** Requests per window for each rate-limit tier (DESIGN.md §8). */
  rateLimits: RateLimits;
  rateLimitWindowMs: number;
  /** How long SIGTERM waits for requests in flight before the process exits anyway. */
  shutdownGracePeriodMs: number;
  /** After SIGTERM, how long the process keeps serving with readiness at 503 before draining. */
  shutdownReadyDelayMs: number;
  /** Longest time a client may take to send a whole request (headers and body). */
  requestTimeoutMs: number;
  /** Open client connections per instance; more are closed at once. 0: no cap. */
  maxConnections: number;
  /** Matches a page's total counts at most (DESIGN.md §7); past it `total_exact` is false. */
  totalLimit: number;
  /** Absent: rate-limit counters live in this process's memory. */
  redisUrl?: string;
  /** Fastify's trustProxy: false ignores X-Forwarded-For; a hop count or addresses trust it. */
  trustProxy: false | number | string[];
  metrics: MetricsConfig;
  /** Canonical spellings; input is matched case-insensitively. */
  interactionTypes: string[];
}

export const DEFAULT_INTERACTION_TYPES = [
  'Meeting',
  'Call',
  'Email',
  'Video Call',
  'Visit',
  'Event',
  'Other',
];

export interface DatabaseSsl {
  rejectUnauthorized: boolean;
  ca?: string;
}

export interface MetricsConfig {
  enabled: boolean;
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  token?: string;
}

export interface RateLimits {
  auth: number;
  search: number;
  authenticated: number;
  anonymous: number;
}

/**
 * `role: 'job'` is for the CLI (the migrate job, user administration): it serves nothing, so in
 * production it needs DATABASE_URL but not the keys or the metrics token of a serving instance.
 */
export function loadConfig(
  raw: NodeJS.ProcessEnv = process.env,
  role: 'server' | 'job' = 'server',
): AppConfig {
  const env = parseEnvironment(raw);
  if ((env.JWT_PRIVATE_KEY === undefined) !== (env.JWT_PUBLIC_KEY === undefined)) {
    throw new ConfigurationError('JWT_PRIVATE_KEY and JWT_PUBLIC_KEY must be set together');
  }
  if (
    env.JWT_PRIVATE_KEY &&
    env.JWT_PUBLIC_KEY &&
    !isKeyPair(env.JWT_PRIVATE_KEY, env.JWT_PUBLIC_KEY)
  ) {
    throw new ConfigurationError('JWT_PUBLIC_KEY is not the public half of JWT_PRIVATE_KEY');
  }
  const port = env.PORT ?? 3000;
  const rateLimitWindowMs = durationToMs(env.RATE_LIMIT_WINDOW ?? '60s');
  if (rateLimitWindowMs % 1000 !== 0) {
    throw new ConfigurationError(
      'RATE_LIMIT_WINDOW must be a whole number of seconds, like 60s or 1m',
    );
  }
  if (role === 'server' && env.DB_PREPARED_STATEMENTS === false && env.DB_MIGRATE !== false) {
    // The migration lock and the migrate session's SETs would land on whichever server
    // connection the pooler hands out, and stay there for other clients.
    throw new ConfigurationError(
      'DB_PREPARED_STATEMENTS=false (a pooler in transaction mode) requires DB_MIGRATE=false: migrations hold a session lock, which such a pooler does not keep; run the migrate job over a direct connection',
    );
  }
  const production = env.NODE_ENV === 'production';
  const statementTimeoutMs = boundedDuration(
    'DB_STATEMENT_TIMEOUT',
    env.DB_STATEMENT_TIMEOUT ?? '15s',
  );
  const metrics: MetricsConfig = { enabled: env.METRICS_ENABLED ?? true, token: env.METRICS_TOKEN };
  if (production) {
    refuseDevelopmentFallbacks(env, metrics, role);
  }
  return Object.assign(new AppConfig(), {
    production,
    port,
    host: env.HOST ?? '0.0.0.0',
    databaseUrl: env.DATABASE_URL,
    databaseReplicaUrls: env.DATABASE_REPLICA_URLS ?? [],
    dbReplicaMaxLagMs: durationToMs(env.DB_REPLICA_MAX_LAG ?? '1s'),
    trashRetentionMs: durationToMs(env.TRASH_RETENTION ?? '30d'),
    trashPurgeIntervalMs: durationToMs(env.TRASH_PURGE_INTERVAL ?? '1h'),
    databaseSsl: databaseSsl(env.DATABASE_SSL, env.DATABASE_SSL_CA, env.DATABASE_URL),
    dataDir: resolve(env.DATA_DIR ?? './data'),
    embeddedPostgresPort: env.EMBEDDED_PG_PORT ?? 0,
    runMigrations: env.DB_MIGRATE ?? true,
    dbPreparedStatements: env.DB_PREPARED_STATEMENTS ?? true,
    dbPoolSize: env.DB_POOL_SIZE ?? 10,
    dbStatementTimeoutMs: statementTimeoutMs,
    dbSearchTimeoutMs: boundedDuration('DB_SEARCH_TIMEOUT', env.DB_SEARCH_TIMEOUT ?? '10s'),
    dbConnectTimeoutMs: boundedDuration('DB_CONNECT_TIMEOUT', env.DB_CONNECT_TIMEOUT ?? '5s'),
    dbQueryTimeoutMs: queryTimeout(env.DB_QUERY_TIMEOUT, statementTimeoutMs),
    dbLockTimeoutMs: boundedDuration('DB_LOCK_TIMEOUT', env.DB_LOCK_TIMEOUT ?? '5s'),
    dbIdleInTransactionTimeoutMs: boundedDuration(
      'DB_IDLE_IN_TRANSACTION_TIMEOUT',
      env.DB_IDLE_IN_TRANSACTION_TIMEOUT ?? '60s',
    ),
    dbKeepAliveIdleMs: boundedDuration('DB_KEEPALIVE_IDLE', env.DB_KEEPALIVE_IDLE ?? '10s'),
    seedDemo: env.SEED_DEMO ?? env.DATABASE_URL === undefined,
    accessTokenTtlMs: durationToMs(env.ACCESS_TOKEN_TTL ?? '30m'),
    refreshTokenTtlMs: durationToMs(env.REFRESH_TOKEN_TTL ?? '7d'),
    passwordResetTtlMs: durationToMs(env.PASSWORD_RESET_TTL ?? '1h'),
    jwtPrivateKey: env.JWT_PRIVATE_KEY && normalisePem(env.JWT_PRIVATE_KEY),
    jwtPublicKey: env.JWT_PUBLIC_KEY && normalisePem(env.JWT_PUBLIC_KEY),
    jwtPreviousPublicKeys: env.JWT_PREVIOUS_PUBLIC_KEYS
      ? splitPemBlocks(env.JWT_PREVIOUS_PUBLIC_KEYS)
      : [],
    jwtIssuer: env.JWT_ISSUER ?? 'interaction-api',
    logLevel: (env.LOG_LEVEL ?? 'info') as LogLevel,
    corsOrigins: env.CORS_ORIGINS ? env.CORS_ORIGINS.split(',') : [],
    bodyLimitBytes: env.BODY_LIMIT ?? 100 * 1024,
    smtpUrl: env.SMTP_URL,
    mailFrom: env.MAIL_FROM ?? 'Interaction API <no-reply@localhost>',
    passwordResetUrl: env.PASSWORD_RESET_URL ?? `http://localhost:${port}/reset-password`,
    rateLimits: {
      auth: env.RATE_LIMIT_AUTH ?? 10,
      search: env.RATE_LIMIT_SEARCH ?? 60,
      authenticated: env.RATE_LIMIT_AUTHENTICATED ?? 300,
      anonymous: env.RATE_LIMIT_ANONYMOUS ?? 30,
    },
    rateLimitWindowMs,
    shutdownGracePeriodMs: durationToMs(env.SHUTDOWN_GRACE_PERIOD ?? '10s'),
    shutdownReadyDelayMs: boundedDuration('SHUTDOWN_READY_DELAY', env.SHUTDOWN_READY_DELAY ?? '5s'),
    requestTimeoutMs: durationToMs(env.REQUEST_TIMEOUT ?? '30s'),
    maxConnections: env.MAX_CONNECTIONS ?? 1000,
    totalLimit: env.TOTAL_LIMIT ?? DEFAULT_TOTAL_LIMIT,
    redisUrl: env.REDIS_URL,
    trustProxy: env.TRUST_PROXY ? (parseTrustProxy(env.TRUST_PROXY) ?? false) : false,
    metrics,
    interactionTypes: env.INTERACTION_TYPES
      ? [...new Set(env.INTERACTION_TYPES.split(',').map((type) => type.trim()))]
      : DEFAULT_INTERACTION_TYPES,
  });
}

/**
 * In production every development convenience is a mistake waiting to happen: keys generated on
 * one instance's disk (other instances reject its tokens), an embedded database in a container,
 * well-known demo accounts, or an open metrics endpoint.
 */
function refuseDevelopmentFallbacks(
  env: Environment,
  metrics: MetricsConfig,
  role: 'server' | 'job',
): void {
  if (role === 'server' && !env.JWT_PRIVATE_KEY) {
    throw new ConfigurationError(
      'NODE_ENV=production requires JWT_PRIVATE_KEY and JWT_PUBLIC_KEY (keys are not generated in production)',
    );
  }
  if (!env.DATABASE_URL) {
    throw new ConfigurationError(
      'NODE_ENV=production requires DATABASE_URL (the embedded database is for development)',
    );
  }
  if (env.SEED_DEMO) {
    throw new ConfigurationError(
      'SEED_DEMO=true is refused with NODE_ENV=production: demo accounts have a published password',
    );
  }
  if (role === 'server' && metrics.enabled && !metrics.token) {
    throw new ConfigurationError(
      'NODE_ENV=production requires METRICS_TOKEN, or METRICS_ENABLED=false to turn /metrics off',
    );
  }
}

function databaseSsl(
  mode: string | undefined,
  ca: string | undefined,
  url: string | undefined,
): false | DatabaseSsl {
  // node-postgres lets the URL's sslmode override the ssl option: a `sslmode=disable` would
  // silently turn off the verification DATABASE_SSL asks for.
  if (mode !== undefined && url !== undefined && new URL(url).searchParams.has('sslmode')) {
    throw new ConfigurationError(
      'DATABASE_SSL and an sslmode in DATABASE_URL conflict: set TLS in one place only',
    );
  }
  if (ca !== undefined && mode !== 'verify-full') {
    throw new ConfigurationError('DATABASE_SSL_CA needs DATABASE_SSL=verify-full');
  }
  if (mode === undefined || mode === 'disable') {
    return false;
  }
  if (mode === 'require') {
    // Encrypted but unauthenticated, as libpq's sslmode=require.
    return { rejectUnauthorized: false };
  }
  return { rejectUnauthorized: true, ...(ca ? { ca: normalisePem(ca) } : {}) };
}

function isKeyPair(privatePem: string, publicPem: string): boolean {
  const derived = createPublicKey(createPrivateKey(normalisePem(privatePem)));
  return derived.equals(createPublicKey(normalisePem(publicPem)));
}

/** Timers and PostgreSQL's settings take 32-bit milliseconds; a day is more than any wait needs. */
/**
 * DB_QUERY_TIMEOUT, by default DB_STATEMENT_TIMEOUT plus 5 s: PostgreSQL cancels a slow statement
 * itself (and the connection stays usable); the client's bound is for when it cannot answer at
 * all. Below the statement timeout the client would give up on statements the server still runs.
 */
function queryTimeout(value: string | undefined, statementMs: number): number {
  if (value === undefined) {
    return statementMs + 5_000;
  }
  const queryMs = boundedDuration('DB_QUERY_TIMEOUT', value);
  if (statementMs > 0 && queryMs <= statementMs) {
    throw new ConfigurationError(
      'DB_QUERY_TIMEOUT must be longer than DB_STATEMENT_TIMEOUT (PostgreSQL cancels slow statements itself)',
    );
  }
  return queryMs;
}

function boundedDuration(name: string, value: string): number {
  const milliseconds = durationToMs(value);
  if (milliseconds > 86_400_000) {
    throw new ConfigurationError(`${name} must be at most 1d`);
  }
  return milliseconds;
}
