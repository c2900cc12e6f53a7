import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './app-config';
import { ConfigurationError } from './configuration-error';

function failure(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      databaseUrl: undefined,
      runMigrations: true,
      dbPreparedStatements: true,
      seedDemo: true,
      accessTokenTtlMs: 30 * 60_000,
      refreshTokenTtlMs: 7 * 24 * 3_600_000,
      passwordResetTtlMs: 3_600_000,
      corsOrigins: [],
      bodyLimitBytes: 102_400,
      logLevel: 'info',
      shutdownGracePeriodMs: 10_000,
      shutdownReadyDelayMs: 5_000,
      dbStatementTimeoutMs: 15_000,
      dbConnectTimeoutMs: 5_000,
      dbQueryTimeoutMs: 20_000,
      dbLockTimeoutMs: 5_000,
      dbIdleInTransactionTimeoutMs: 60_000,
      dbKeepAliveIdleMs: 10_000,
    });
    expect(failure({ DB_STATEMENT_TIMEOUT: '30d' })).toBe(
      'DB_STATEMENT_TIMEOUT must be at most 1d',
    );
  });

  it('takes SHUTDOWN_READY_DELAY of 0s (drain at once), unlike the other durations', () => {
    expect(loadConfig({ SHUTDOWN_READY_DELAY: '0s' }).shutdownReadyDelayMs).toBe(0);
    expect(failure({ SHUTDOWN_GRACE_PERIOD: '0s' })).toBe(
      'SHUTDOWN_GRACE_PERIOD must be a duration like 30m, 12h or 7d',
    );
    expect(failure({ SHUTDOWN_READY_DELAY: 'soon' })).toBe(
      'SHUTDOWN_READY_DELAY must be a duration like 5s (0s: drain at once)',
    );
  });

  it('bounds a statement on the client beyond the server: DB_QUERY_TIMEOUT', () => {
    expect(loadConfig({ DB_STATEMENT_TIMEOUT: '3s' }).dbQueryTimeoutMs).toBe(8_000);
    expect(
      loadConfig({ DB_STATEMENT_TIMEOUT: '3s', DB_QUERY_TIMEOUT: '4s' }).dbQueryTimeoutMs,
    ).toBe(4_000);
    expect(failure({ DB_STATEMENT_TIMEOUT: '3s', DB_QUERY_TIMEOUT: '3s' })).toBe(
      'DB_QUERY_TIMEOUT must be longer than DB_STATEMENT_TIMEOUT (PostgreSQL cancels slow statements itself)',
    );
    expect(failure({ DB_LOCK_TIMEOUT: 'soon' })).toBe(
      'DB_LOCK_TIMEOUT must be a duration like 30m, 12h or 7d',
    );
  });

  it('does not seed demo data by default on an external database', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/ims' }).seedDemo).toBe(false);
    expect(
      loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/ims', SEED_DEMO: 'true' }).seedDemo,
    ).toBe(true);
  });

  it('parses durations, booleans, numbers and lists', () => {
    const config = loadConfig({
      PORT: '8080',
      ACCESS_TOKEN_TTL: '15m',
      REFRESH_TOKEN_TTL: '12h',
      DB_MIGRATE: 'false',
      DB_PREPARED_STATEMENTS: 'false',
      CORS_ORIGINS: 'https://a.example,https://b.example',
    });
    expect(config).toMatchObject({
      port: 8080,
      accessTokenTtlMs: 15 * 60_000,
      refreshTokenTtlMs: 12 * 3_600_000,
      runMigrations: false,
      dbPreparedStatements: false,
      corsOrigins: ['https://a.example', 'https://b.example'],
    });
  });

  it('refuses DB_PREPARED_STATEMENTS=false with migrations at start: a transaction pooler keeps no session lock', () => {
    expect(failure({ DB_PREPARED_STATEMENTS: 'false' })).toBe(
      'DB_PREPARED_STATEMENTS=false (a pooler in transaction mode) requires DB_MIGRATE=false: migrations hold a session lock, which such a pooler does not keep; run the migrate job over a direct connection',
    );
    // The migrate job itself connects directly and ignores both settings.
    expect(loadConfig({ DB_PREPARED_STATEMENTS: 'false' }, 'job').dbPreparedStatements).toBe(false);
  });

  it('names the variable and the expected form for each wrong value', () => {
    expect(failure({ PORT: 'abc' })).toBe('PORT must be an integer between 0 and 65535');
    expect(failure({ PORT: '70000' })).toBe('PORT must be an integer between 0 and 65535');
    expect(failure({ ACCESS_TOKEN_TTL: '30' })).toBe(
      'ACCESS_TOKEN_TTL must be a duration like 30m, 12h or 7d',
    );
    expect(failure({ DB_MIGRATE: 'yes' })).toBe('DB_MIGRATE must be true or false');
    expect(failure({ DB_PREPARED_STATEMENTS: 'off' })).toBe(
      'DB_PREPARED_STATEMENTS must be true or false',
    );
    expect(failure({ DATABASE_URL: 'mysql://x' })).toBe(
      'DATABASE_URL must be a URL like postgres://user:password@host:5432/database',
    );
    expect(failure({ LOG_LEVEL: 'loud' })).toBe(
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    );
    expect(failure({ CORS_ORIGINS: 'app.example' })).toBe(
      'CORS_ORIGINS must be * or a comma-separated list of http(s) origins',
    );
    expect(failure({ JWT_PRIVATE_KEY: 'not a key' })).toBe(
      'JWT_PRIVATE_KEY must be an RSA private key in PEM form',
    );
  });

  it('reads DATABASE_REPLICA_URLS as a list and refuses an entry that is not a postgres URL', () => {
    expect(loadConfig({})).toMatchObject({ databaseReplicaUrls: [], dbReplicaMaxLagMs: 1_000 });
    expect(
      loadConfig({
        DATABASE_REPLICA_URLS: ' postgres://u:p@replica-1/ims, postgres://u:p@replica-2/ims ',
        DB_REPLICA_MAX_LAG: '250ms',
      }),
    ).toMatchObject({
      databaseReplicaUrls: ['postgres://u:p@replica-1/ims', 'postgres://u:p@replica-2/ims'],
      dbReplicaMaxLagMs: 250,
    });
    expect(failure({ DATABASE_REPLICA_URLS: 'postgres://u:p@replica-1/ims,replica-2' })).toBe(
      'DATABASE_REPLICA_URLS must be a URL like postgres://user:password@host:5432/database',
    );
  });

  it('defaults the rate limits to DESIGN.md §8, counts in memory and ignores X-Forwarded-For', () => {
    expect(loadConfig({})).toMatchObject({
      rateLimits: { auth: 10, search: 60, authenticated: 300, anonymous: 30 },
      rateLimitWindowMs: 60_000,
      redisUrl: undefined,
      trustProxy: false,
    });
  });

  it('parses rate limits, their window, REDIS_URL and TRUST_PROXY', () => {
    expect(
      loadConfig({
        RATE_LIMIT_AUTH: '5',
        RATE_LIMIT_SEARCH: '6',
        RATE_LIMIT_AUTHENTICATED: '7',
        RATE_LIMIT_ANONYMOUS: '8',
        RATE_LIMIT_WINDOW: '1m',
        REDIS_URL: 'redis://:secret@cache:6379/2',
        TRUST_PROXY: '2',
      }),
    ).toMatchObject({
      rateLimits: { auth: 5, search: 6, authenticated: 7, anonymous: 8 },
      rateLimitWindowMs: 60_000,
      redisUrl: 'redis://:secret@cache:6379/2',
      trustProxy: 2,
    });
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.7,::1' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
      '::1',
    ]);
  });

  it('names the rate-limit variable and the expected form for each wrong value', () => {
    expect(failure({ RATE_LIMIT_AUTH: '0' })).toBe(
      'RATE_LIMIT_AUTH must be a positive integer (requests per window)',
    );
    expect(failure({ RATE_LIMIT_SEARCH: 'many' })).toBe(
      'RATE_LIMIT_SEARCH must be a positive integer (requests per window)',
    );
    expect(failure({ RATE_LIMIT_AUTHENTICATED: '1.5' })).toBe(
      'RATE_LIMIT_AUTHENTICATED must be a positive integer (requests per window)',
    );
    expect(failure({ RATE_LIMIT_ANONYMOUS: '-3' })).toBe(
      'RATE_LIMIT_ANONYMOUS must be a positive integer (requests per window)',
    );
    expect(failure({ RATE_LIMIT_WINDOW: 'a minute' })).toBe(
      'RATE_LIMIT_WINDOW must be a whole number of seconds, like 60s or 1m',
    );
    expect(failure({ RATE_LIMIT_WINDOW: '1500ms' })).toBe(
      'RATE_LIMIT_WINDOW must be a whole number of seconds, like 60s or 1m',
    );
    expect(failure({ REDIS_URL: 'cache:6379' })).toBe(
      'REDIS_URL must be a URL like redis://host:6379',
    );
    expect(failure({ TRUST_PROXY: 'true' })).toBe(
      'TRUST_PROXY must be a hop count or a comma-separated list of IP addresses/CIDR ranges',
    );
    expect(failure({ TRUST_PROXY: '10.0.0.0/33' })).toBe(
      'TRUST_PROXY must be a hop count or a comma-separated list of IP addresses/CIDR ranges',
    );
  });

  it('refuses one half of the JWT key pair', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    expect(failure({ JWT_PRIVATE_KEY: privateKey })).toBe(
      'JWT_PRIVATE_KEY and JWT_PUBLIC_KEY must be set together',
    );
  });

  it('accepts PEM keys given on one line with \\n escapes', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const pair = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const config = loadConfig({
      JWT_PRIVATE_KEY: pair.privateKey.replace(/\n/g, '\\n'),
      JWT_PUBLIC_KEY: pair.publicKey.replace(/\n/g, '\\n'),
    });
    expect(config.jwtPrivateKey).toBe(pair.privateKey);
    expect(config.jwtPublicKey).toBe(pair.publicKey);
  });

  it('maps DATABASE_SSL to node-postgres TLS options', () => {
    expect(loadConfig({}).databaseSsl).toBe(false);
    expect(loadConfig({ DATABASE_SSL: 'disable' }).databaseSsl).toBe(false);
    expect(loadConfig({ DATABASE_SSL: 'require' }).databaseSsl).toEqual({
      rejectUnauthorized: false,
    });
    expect(loadConfig({ DATABASE_SSL: 'verify-full' }).databaseSsl).toEqual({
      rejectUnauthorized: true,
    });
    expect(
      failure({
        DATABASE_SSL: 'verify-full',
        DATABASE_URL: 'postgres://u:p@db/ims?sslmode=disable',
      }),
    ).toBe('DATABASE_SSL and an sslmode in DATABASE_URL conflict: set TLS in one place only');
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db/ims?sslmode=require' }).databaseSsl).toBe(
      false,
    );
    expect(failure({ DATABASE_SSL: 'on' })).toBe(
      'DATABASE_SSL must be one of disable, require, verify-full',
    );
    expect(failure({ DATABASE_SSL: 'verify-full', DATABASE_SSL_CA: 'not a certificate' })).toBe(
      'DATABASE_SSL_CA must be an X.509 certificate in PEM form',
    );
  });

  it('reads retired public keys for a key rotation, one PEM block after the other', () => {
    const [current, retired1, retired2] = [rsaPair(), rsaPair(), rsaPair()];
    const config = loadConfig({
      JWT_PRIVATE_KEY: current.privateKey,
      JWT_PUBLIC_KEY: current.publicKey,
      JWT_PREVIOUS_PUBLIC_KEYS: `${retired1.publicKey}\n${retired2.publicKey}`.replace(
        /\n/g,
        '\\n',
      ),
    });
    expect(config.jwtPreviousPublicKeys).toEqual([
      retired1.publicKey.trim(),
      retired2.publicKey.trim(),
    ]);
    expect(
      failure({ JWT_PRIVATE_KEY: current.privateKey, JWT_PUBLIC_KEY: retired1.publicKey }),
    ).toBe('JWT_PUBLIC_KEY is not the public half of JWT_PRIVATE_KEY');
    expect(
      failure({
        JWT_PREVIOUS_PUBLIC_KEYS: `${retired1.publicKey}${retired2.publicKey.slice(0, 200)}`,
      }),
    ).toBe(
      'JWT_PREVIOUS_PUBLIC_KEYS must be one or more RSA public keys in PEM form, one after the other',
    );
    expect(
      failure({ JWT_PREVIOUS_PUBLIC_KEYS: `${retired1.publicKey}${current.privateKey}` }),
    ).toBe(
      'JWT_PREVIOUS_PUBLIC_KEYS must be one or more RSA public keys in PEM form, one after the other',
    );
  });
});

describe('loadConfig with NODE_ENV=production', () => {
  const keys = rsaPair();
  const production = {
    NODE_ENV: 'production',
    JWT_PRIVATE_KEY: keys.privateKey,
    JWT_PUBLIC_KEY: keys.publicKey,
    DATABASE_URL: 'postgres://u:p@db:5432/ims',
    METRICS_TOKEN: 'a'.repeat(32),
  };

  it('accepts a complete production configuration, without demo data', () => {
    expect(loadConfig(production)).toMatchObject({
      production: true,
      seedDemo: false,
      metrics: { enabled: true, token: 'a'.repeat(32) },
    });
    expect(
      loadConfig({ ...production, METRICS_TOKEN: '', METRICS_ENABLED: 'false' }).metrics,
    ).toEqual({ enabled: false, token: undefined });
  });

  it('refuses each development fallback with a message that says what to set', () => {
    expect(failure({ ...production, JWT_PRIVATE_KEY: '', JWT_PUBLIC_KEY: '' })).toBe(
      'NODE_ENV=production requires JWT_PRIVATE_KEY and JWT_PUBLIC_KEY (keys are not generated in production)',
    );
    expect(failure({ ...production, DATABASE_URL: '' })).toBe(
      'NODE_ENV=production requires DATABASE_URL (the embedded database is for development)',
    );
    expect(failure({ ...production, SEED_DEMO: 'true' })).toBe(
      'SEED_DEMO=true is refused with NODE_ENV=production: demo accounts have a published password',
    );
    expect(failure({ ...production, METRICS_TOKEN: '' })).toBe(
      'NODE_ENV=production requires METRICS_TOKEN, or METRICS_ENABLED=false to turn /metrics off',
    );
  });

  it('keeps the development conveniences outside production', () => {
    expect(loadConfig({ NODE_ENV: 'development' })).toMatchObject({
      production: false,
      seedDemo: true,
      metrics: { enabled: true, token: undefined },
    });
    expect(failure({ METRICS_TOKEN: 'short' })).toBe(
      'METRICS_TOKEN must be at least 32 printable characters without spaces',
    );
  });
});

function rsaPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
}
