import { resolve } from 'node:path';
import { ConfigurationError, durationToMs, parseEnvironment } from './environment';
import { normalisePem, parseTrustProxy } from './environment.validators';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The validated, typed configuration every module reads; built once at start. */
export class AppConfig {
  port: number;
  host: string;
  /** Absent means: start the embedded PostgreSQL under dataDir. */
  databaseUrl?: string;
  dataDir: string;
  embeddedPostgresPort: number;
  runMigrations: boolean;
  dbPoolSize: number;
  seedDemo: boolean;
  accessTokenTtlMs: number;
  refreshTokenTtlMs: number;
  passwordResetTtlMs: number;
  jwtPrivateKey?: string;
  jwtPublicKey?: string;
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
  /** Absent: rate-limit counters live in this process's memory. */
  redisUrl?: string;
  /** Fastify's trustProxy: false ignores X-Forwarded-For; a hop count or addresses trust it. */
  trustProxy: false | number | string[];
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

export interface RateLimits {
  auth: number;
  search: number;
  authenticated: number;
  anonymous: number;
}

export function loadConfig(raw: NodeJS.ProcessEnv = process.env): AppConfig {
  const env = parseEnvironment(raw);
  if ((env.JWT_PRIVATE_KEY === undefined) !== (env.JWT_PUBLIC_KEY === undefined)) {
    throw new ConfigurationError('JWT_PRIVATE_KEY and JWT_PUBLIC_KEY must be set together');
  }
  const port = env.PORT ?? 3000;
  const rateLimitWindowMs = durationToMs(env.RATE_LIMIT_WINDOW ?? '60s');
  if (rateLimitWindowMs % 1000 !== 0) {
    throw new ConfigurationError(
      'RATE_LIMIT_WINDOW must be a whole number of seconds, like 60s or 1m',
    );
  }
  return Object.assign(new AppConfig(), {
    port,
    host: env.HOST ?? '0.0.0.0',
    databaseUrl: env.DATABASE_URL,
    dataDir: resolve(env.DATA_DIR ?? './data'),
    embeddedPostgresPort: env.EMBEDDED_PG_PORT ?? 0,
    runMigrations: env.DB_MIGRATE ?? true,
    dbPoolSize: env.DB_POOL_SIZE ?? 10,
    seedDemo: env.SEED_DEMO ?? env.DATABASE_URL === undefined,
    accessTokenTtlMs: durationToMs(env.ACCESS_TOKEN_TTL ?? '30m'),
    refreshTokenTtlMs: durationToMs(env.REFRESH_TOKEN_TTL ?? '7d'),
    passwordResetTtlMs: durationToMs(env.PASSWORD_RESET_TTL ?? '1h'),
    jwtPrivateKey: env.JWT_PRIVATE_KEY && normalisePem(env.JWT_PRIVATE_KEY),
    jwtPublicKey: env.JWT_PUBLIC_KEY && normalisePem(env.JWT_PUBLIC_KEY),
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
    redisUrl: env.REDIS_URL,
    trustProxy: env.TRUST_PROXY ? (parseTrustProxy(env.TRUST_PROXY) ?? false) : false,
    interactionTypes: env.INTERACTION_TYPES
      ? [...new Set(env.INTERACTION_TYPES.split(',').map((type) => type.trim()))]
      : DEFAULT_INTERACTION_TYPES,
  });
}
