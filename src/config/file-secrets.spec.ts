import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from './app-config';
import { ConfigurationError } from './configuration-error';
import { FILE_SECRETS } from './file-secrets';

describe('secrets from files (NAME_FILE)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'ims-secrets-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  /** A secret file as Docker and Kubernetes mount them, ending with a newline. */
  const secretFile = (name: string, content: string): string => {
    const path = join(directory, name);
    writeFileSync(path, `${content}\n`, { mode: 0o600 });
    return path;
  };

  const failure = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      return (error as Error).message;
    }
    throw new Error('loadConfig accepted the environment');
  };

  it('reads each secret from the file its NAME_FILE names, without the trailing newline', () => {
    const keys = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const config = loadConfig({
      DATABASE_URL_FILE: secretFile('database-url', 'postgres://app:s3cret@db:5432/ims'),
      REDIS_URL_FILE: secretFile('redis-url', 'rediss://:r3dis@cache:6380/0'),
      METRICS_TOKEN_FILE: secretFile('metrics-token', 'metrics-token-from-a-file-0123456789'),
      SMTP_URL_FILE: secretFile('smtp-url', 'smtp://mailer:m4il@smtp:587'),
      JWT_PRIVATE_KEY_FILE: secretFile('jwt-private.pem', keys.privateKey),
      JWT_PUBLIC_KEY_FILE: secretFile('jwt-public.pem', keys.publicKey),
    });
    expect(config.databaseUrl).toBe('postgres://app:s3cret@db:5432/ims');
    expect(config.redisUrl).toBe('rediss://:r3dis@cache:6380/0');
    expect(config.metrics.token).toBe('metrics-token-from-a-file-0123456789');
    expect(config.smtpUrl).toBe('smtp://mailer:m4il@smtp:587');
    const signature = sign('sha256', Buffer.from('probe'), createPrivateKey(config.jwtPrivateKey!));
    expect(
      verify('sha256', Buffer.from('probe'), createPublicKey(config.jwtPublicKey!), signature),
    ).toBe(true);
  });

  it.each(FILE_SECRETS)('refuses %s given both ways', (name) => {
    expect(failure({ [name]: 'x', [`${name}_FILE`]: secretFile(`both-${name}`, 'y') })).toBe(
      `${name} and ${name}_FILE are both set; give only one`,
    );
  });

  it('names the variable and the path of a file it cannot read, or that is empty', () => {
    const missing = join(directory, 'no-such-file');
    expect(failure({ DATABASE_URL_FILE: missing })).toBe(
      `DATABASE_URL_FILE: cannot read ${missing} (ENOENT)`,
    );
    const empty = secretFile('empty', '');
    expect(failure({ METRICS_TOKEN_FILE: empty })).toBe(`METRICS_TOKEN_FILE: ${empty} is empty`);
  });

  it("checks a file's value as it checks the variable's", () => {
    expect(failure({ DATABASE_URL_FILE: secretFile('mysql-url', 'mysql://db/ims') })).toBe(
      failure({ DATABASE_URL: 'mysql://db/ims' }),
    );
    expect(failure({ METRICS_TOKEN_FILE: secretFile('short-token', 'short') })).toBe(
      'METRICS_TOKEN must be at least 32 printable characters without spaces',
    );
  });
});
