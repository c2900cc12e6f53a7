import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
  type ValidationError,
} from 'class-validator';
import ms from 'ms';
import { ConfigurationError } from './configuration-error';
import { withFileSecrets } from './file-secrets';
import {
  IsDuration,
  IsPem,
  IsPemList,
  IsPostgresUrl,
  IsRedisUrl,
  IsTrustProxy,
  toBoolean,
  toInteger,
} from './environment.validators';

/**
 * The environment as the process receives it. Every variable is optional and every rule is
 * checked at start, so a typo stops the process before it serves anything.
 */
export class Environment {
  /** Only `production` changes behaviour: it turns the development conveniences into errors. */
  @IsOptional()
  @IsString()
  NODE_ENV?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'PORT must be an integer between 0 and 65535' })
  @Min(0, { message: 'PORT must be an integer between 0 and 65535' })
  @Max(65535, { message: 'PORT must be an integer between 0 and 65535' })
  PORT?: number;

  @IsOptional()
  @IsString()
  @Matches(/^[\w.:-]+$/, { message: 'HOST must be a host name or IP address' })
  HOST?: string;

  @IsOptional()
  @IsPostgresUrl()
  DATABASE_URL?: string;

  /** Streaming replicas for site reads and searches, comma-separated postgres:// URLs. */
  @IsOptional()
  @IsPostgresUrl({ each: true })
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((url) => url.trim())
          .filter((url) => url !== '')
      : value,
  )
  DATABASE_REPLICA_URLS?: string[];

  @IsOptional()
  @IsDuration()
  DB_REPLICA_MAX_LAG?: string;

  @IsOptional()
  @IsIn(['disable', 'require', 'verify-full'], {
    message: 'DATABASE_SSL must be one of disable, require, verify-full',
  })
  DATABASE_SSL?: string;

  @IsOptional()
  @IsPem('CERTIFICATE')
  DATABASE_SSL_CA?: string;

  @IsOptional()
  @IsString()
  DATA_DIR?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'EMBEDDED_PG_PORT must be an integer between 0 and 65535' })
  @Min(0, { message: 'EMBEDDED_PG_PORT must be an integer between 0 and 65535' })
  @Max(65535, { message: 'EMBEDDED_PG_PORT must be an integer between 0 and 65535' })
  EMBEDDED_PG_PORT?: number;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'DB_MIGRATE must be true or false' })
  DB_MIGRATE?: boolean;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'DB_PREPARED_STATEMENTS must be true or false' })
  DB_PREPARED_STATEMENTS?: boolean;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'DB_POOL_SIZE must be an integer between 1 and 200' })
  @Min(1, { message: 'DB_POOL_SIZE must be an integer between 1 and 200' })
  @Max(200, { message: 'DB_POOL_SIZE must be an integer between 1 and 200' })
  DB_POOL_SIZE?: number;

  @IsOptional()
  @IsDuration()
  DB_STATEMENT_TIMEOUT?: string;

  @IsOptional()
  @IsDuration()
  DB_SEARCH_TIMEOUT?: string;

  @IsOptional()
  @IsDuration()
  DB_CONNECT_TIMEOUT?: string;

  @IsOptional()
  @IsDuration()
  DB_QUERY_TIMEOUT?: string;

  @IsOptional()
  @IsDuration()
  DB_LOCK_TIMEOUT?: string;

  @IsOptional()
  @IsDuration()
  DB_IDLE_IN_TRANSACTION_TIMEOUT?: string;

  @IsOptional()
  @IsDuration()
  DB_KEEPALIVE_IDLE?: string;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'SEED_DEMO must be true or false' })
  SEED_DEMO?: boolean;

  @IsOptional()
  @IsDuration()
  ACCESS_TOKEN_TTL?: string;

  @IsOptional()
  @IsDuration()
  REFRESH_TOKEN_TTL?: string;

  @IsOptional()
  @IsDuration()
  PASSWORD_RESET_TTL?: string;

  @IsOptional()
  @IsPem('PRIVATE KEY')
  JWT_PRIVATE_KEY?: string;

  @IsOptional()
  @IsPem('PUBLIC KEY')
  JWT_PUBLIC_KEY?: string;

  @IsOptional()
  @IsPemList('PUBLIC KEY')
  JWT_PREVIOUS_PUBLIC_KEYS?: string;

  @IsOptional()
  @IsString()
  @Matches(/^\S+$/, { message: 'JWT_ISSUER must not contain spaces' })
  JWT_ISSUER?: string;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
  })
  LOG_LEVEL?: string;

  @IsOptional()
  @IsString()
  @Matches(/^(\*|https?:\/\/[^\s,]+(,https?:\/\/[^\s,]+)*)?$/, {
    message: 'CORS_ORIGINS must be * or a comma-separated list of http(s) origins',
  })
  CORS_ORIGINS?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'BODY_LIMIT must be a number of bytes between 1024 and 104857600' })
  @Min(1024, { message: 'BODY_LIMIT must be a number of bytes between 1024 and 104857600' })
  @Max(104857600, { message: 'BODY_LIMIT must be a number of bytes between 1024 and 104857600' })
  BODY_LIMIT?: number;

  @IsOptional()
  @IsString()
  @Matches(/^smtps?:\/\/\S+$/, { message: 'SMTP_URL must be a URL like smtp://user:pass@host:587' })
  SMTP_URL?: string;

  @IsOptional()
  @IsString()
  MAIL_FROM?: string;

  @IsOptional()
  @IsString()
  @Matches(/^https?:\/\/\S+$/, { message: 'PASSWORD_RESET_URL must be an http(s) URL' })
  PASSWORD_RESET_URL?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'RATE_LIMIT_AUTH must be a positive integer (requests per window)' })
  @Min(1, { message: 'RATE_LIMIT_AUTH must be a positive integer (requests per window)' })
  RATE_LIMIT_AUTH?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'RATE_LIMIT_SEARCH must be a positive integer (requests per window)' })
  @Min(1, { message: 'RATE_LIMIT_SEARCH must be a positive integer (requests per window)' })
  RATE_LIMIT_SEARCH?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'RATE_LIMIT_AUTHENTICATED must be a positive integer (requests per window)' })
  @Min(1, { message: 'RATE_LIMIT_AUTHENTICATED must be a positive integer (requests per window)' })
  RATE_LIMIT_AUTHENTICATED?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'RATE_LIMIT_ANONYMOUS must be a positive integer (requests per window)' })
  @Min(1, { message: 'RATE_LIMIT_ANONYMOUS must be a positive integer (requests per window)' })
  RATE_LIMIT_ANONYMOUS?: number;

  @IsOptional()
  @IsDuration({ message: 'RATE_LIMIT_WINDOW must be a whole number of seconds, like 60s or 1m' })
  RATE_LIMIT_WINDOW?: string;

  @IsOptional()
  @IsDuration()
  SHUTDOWN_GRACE_PERIOD?: string;

  @IsOptional()
  @IsDuration()
  TRASH_RETENTION?: string;

  @IsOptional()
  @IsDuration()
  TRASH_PURGE_INTERVAL?: string;

  @IsOptional()
  @IsDuration(
    { message: 'SHUTDOWN_READY_DELAY must be a duration like 5s (0s: drain at once)' },
    { allowZero: true },
  )
  SHUTDOWN_READY_DELAY?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'TOTAL_LIMIT must be an integer between 1000 and 1000000' })
  @Min(1000, { message: 'TOTAL_LIMIT must be an integer between 1000 and 1000000' })
  @Max(1_000_000, { message: 'TOTAL_LIMIT must be an integer between 1000 and 1000000' })
  TOTAL_LIMIT?: number;

  @IsOptional()
  @IsDuration()
  REQUEST_TIMEOUT?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'MAX_CONNECTIONS must be an integer between 0 and 1000000 (0: no cap)' })
  @Min(0, { message: 'MAX_CONNECTIONS must be an integer between 0 and 1000000 (0: no cap)' })
  @Max(1_000_000, {
    message: 'MAX_CONNECTIONS must be an integer between 0 and 1000000 (0: no cap)',
  })
  MAX_CONNECTIONS?: number;

  @IsOptional()
  @IsRedisUrl()
  REDIS_URL?: string;

  @IsOptional()
  @IsTrustProxy()
  TRUST_PROXY?: string;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'METRICS_ENABLED must be true or false' })
  METRICS_ENABLED?: boolean;

  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{32,}$/, {
    message: 'METRICS_TOKEN must be at least 32 printable characters without spaces',
  })
  METRICS_TOKEN?: string;

  @IsOptional()
  @IsString()
  @Matches(/^\s*[\w][\w &/-]{0,49}(\s*,\s*[\w][\w &/-]{0,49})*\s*$/, {
    message:
      'INTERACTION_TYPES must be a comma-separated list of names (letters, digits, spaces, & / -; up to 50 each)',
  })
  INTERACTION_TYPES?: string;
}

export function parseEnvironment(raw: NodeJS.ProcessEnv): Environment {
  const present = Object.fromEntries(
    Object.entries(raw).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
    ),
  );
  const environment = plainToInstance(Environment, withFileSecrets(present), {
    excludeExtraneousValues: false,
  });
  const errors = validateSync(environment, { stopAtFirstError: true });
  if (errors.length > 0) {
    throw new ConfigurationError(firstMessage(errors[0]));
  }
  return environment;
}

function firstMessage(error: ValidationError): string {
  const messages = Object.values(error.constraints ?? {});
  return messages[0] ?? `${error.property} is invalid`;
}

export function durationToMs(value: string): number {
  return ms(value as ms.StringValue);
}
