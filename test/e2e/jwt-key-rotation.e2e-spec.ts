import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/entities/user.entity';
import { bearer, expectError, login } from '../support/auth-helpers';
import { makeSite, makeUser } from '../support/factories';
import { createTestApp, type TestApp } from '../support/test-app';

function rsaPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
}

function kidOf(token: string): unknown {
  return jwt.decode(token, { complete: true })?.header.kid;
}

/**
 * A rotation as docs/deployment.md describes it, on one database: instances with the old key,
 * then instances signing with the new key that still accept the old one, then the old key gone.
 */
describe('JWT signing key rotation', () => {
  const oldKey = rsaPair();
  const newKey = rsaPair();
  let before: TestApp;
  let during: TestApp;
  let after: TestApp;
  let user: User;
  let oldToken: string;

  beforeAll(async () => {
    before = await createTestApp({
      JWT_PRIVATE_KEY: oldKey.privateKey,
      JWT_PUBLIC_KEY: oldKey.publicKey,
    });
    const databaseUrl = before.config.databaseUrl!;
    during = await createTestApp(
      {
        JWT_PRIVATE_KEY: newKey.privateKey,
        JWT_PUBLIC_KEY: newKey.publicKey,
        JWT_PREVIOUS_PUBLIC_KEYS: oldKey.publicKey,
      },
      { databaseUrl },
    );
    after = await createTestApp(
      { JWT_PRIVATE_KEY: newKey.privateKey, JWT_PUBLIC_KEY: newKey.publicKey },
      { databaseUrl },
    );
    const site = await makeSite(before.dataSource);
    user = await makeUser(before.dataSource, { sites: [[site, 'member']] });
    oldToken = (await login(before, user)).token;
  });

  afterAll(async () => {
    // `before` owns the database: it goes last.
    await after?.close();
    await during?.close();
    await before?.close();
  });

  const profile = (app: TestApp, token: string) =>
    app.request({ method: 'GET', url: '/api/v1/auth/profile', headers: bearer(token) });

  it('signs new tokens with the newest key', async () => {
    const { token } = await login(during, user);
    const jwks = (await during.request({ method: 'GET', url: '/.well-known/jwks.json' })).json<{
      keys: Array<{ kid: string }>;
    }>();
    expect(kidOf(token)).toBe(jwks.keys[0].kid);
    expect(kidOf(token)).not.toBe(kidOf(oldToken));
    expect((await profile(during, token)).statusCode).toBe(200);
  });

  it('publishes the new and the retired key, newest first', async () => {
    const response = await during.request({ method: 'GET', url: '/.well-known/jwks.json' });
    const kids = response.json<{ keys: Array<{ kid: string }> }>().keys.map((key) => key.kid);
    const { token } = await login(after, user);
    expect(kids).toEqual([kidOf(token), kidOf(oldToken)]);
  });

  it('accepts tokens of the retired key until the key is dropped', async () => {
    expect((await profile(during, oldToken)).statusCode).toBe(200);
    expectError(await profile(after, oldToken), 401, 'UNAUTHORIZED');
  });

  it('does not let a retired key sign: a token naming the new kid but signed with the old key fails', async () => {
    const newKid = kidOf((await login(during, user)).token) as string;
    const claims = jwt.decode(oldToken) as jwt.JwtPayload;
    const forged = jwt.sign(claims, oldKey.privateKey, { algorithm: 'RS256', keyid: newKid });
    expectError(await profile(during, forged), 401, 'UNAUTHORIZED');
  });
});
