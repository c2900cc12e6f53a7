import { createHmac, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWT_KEYS } from '../../src/auth/auth.constants';
import type { Site } from '../../src/sites/entities/site.entity';
import type { User } from '../../src/auth/entities/user.entity';
import { bearer, expectError, login } from '../support/auth-helpers';
import { makeSite, makeUser, TEST_PASSWORD } from '../support/factories';
import { SmtpCatcher } from '../support/smtp-catcher';
import { createTestApp, type TestApp } from '../support/test-app';

describe('auth', () => {
  let testApp: TestApp;
  let smtp: SmtpCatcher;
  let headquarters: Site;
  let branch: Site;
  let elsewhere: Site;
  let multiSiteUser: User;
  let singleSiteUser: User;

  beforeAll(async () => {
    smtp = new SmtpCatcher();
    const smtpUrl = await smtp.start();
    testApp = await createTestApp({
      SMTP_URL: smtpUrl,
      PASSWORD_RESET_URL: 'https://app.example.test/reset',
    });
    headquarters = await makeSite(testApp.dataSource, { name: 'Headquarters' });
    branch = await makeSite(testApp.dataSource, { name: 'Branch' });
    elsewhere = await makeSite(testApp.dataSource, { name: 'Elsewhere' });
    multiSiteUser = await makeUser(testApp.dataSource, {
      username: 'alice',
      email: 'alice@example.test',
      sites: [
        [headquarters, 'member'],
        [branch, 'manager'],
      ],
    });
    singleSiteUser = await makeUser(testApp.dataSource, {
      username: 'bob',
      sites: [[branch, 'viewer']],
    });
  });

  afterAll(async () => {
    await testApp.close();
    await smtp.stop();
  });

  const profile = (token: string) =>
    testApp.request({ method: 'GET', url: '/api/v1/auth/profile', headers: bearer(token) });

  describe('login', () => {
    it('accepts the username and returns the tokens and the user with their sites', async () => {
      const body = await login(testApp, multiSiteUser);
      expect(body.token.split('.')).toHaveLength(3);
      expect(body.refresh_token).toMatch(/^[\w-]{40,}$/);
      expect(body.expires).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(body.refresh_expires).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(body.user).toEqual({
        id: multiSiteUser.id,
        username: 'alice',
        email: 'alice@example.test',
        sites: [headquarters.id, branch.id],
        current_site_id: null,
      });
    });

    it('accepts the e-mail address in any letter case as the username', async () => {
      const body = await login(testApp, { username: 'ALICE@example.TEST' });
      expect(body.user.id).toBe(multiSiteUser.id);
    });

    it('issues an RS256 token with kid, sub, sid, jti, iat and exp of a 30 minute lifetime', async () => {
      const body = await login(testApp, multiSiteUser);
      const decoded = jwt.decode(body.token, { complete: true })!;
      const payload = decoded.payload as jwt.JwtPayload;
      expect(decoded.header.alg).toBe('RS256');
      expect(decoded.header.kid).toMatch(/^[\w-]{43}$/);
      expect(payload.sub).toBe(String(multiSiteUser.id));
      expect(payload.sid).toMatch(/^[0-9a-f-]{36}$/);
      expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
      expect(payload.exp! - payload.iat!).toBe(30 * 60);
      expect(new Date(body.expires).getTime()).toBe(payload.exp! * 1000);
    });

    it('selects the only site of a user with one site', async () => {
      const body = await login(testApp, singleSiteUser);
      expect(body.user.current_site_id).toBe(branch.id);
    });

    it('gives the same 401 INVALID_CREDENTIALS for a wrong password and an unknown user', async () => {
      const wrongPassword = await testApp.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'alice', password: 'not-the-password' },
      });
      const unknownUser = await testApp.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'nobody', password: 'not-the-password' },
      });
      expect(expectError(wrongPassword, 401, 'INVALID_CREDENTIALS')).toEqual(
        expectError(unknownUser, 401, 'INVALID_CREDENTIALS'),
      );
    });

    it('answers 422 with details for a missing password', async () => {
      const response = await testApp.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'alice' },
      });
      const error = expectError(response, 422, 'VALIDATION_ERROR');
      expect(Object.keys(error.details ?? {})).toEqual(['password']);
    });

    it('also answers at the unversioned /api alias', async () => {
      const response = await testApp.request({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'bob', password: TEST_PASSWORD },
      });
      expect(response.statusCode).toBe(200);
    });
  });

  describe('access tokens', () => {
    it('rejects a request without a token with 401 UNAUTHORIZED', async () => {
      const response = await testApp.request({ method: 'GET', url: '/api/v1/auth/profile' });
      expectError(response, 401, 'UNAUTHORIZED');
    });

    it('rejects a token whose payload was tampered with', async () => {
      const { token } = await login(testApp, singleSiteUser);
      const [header, payload, signature] = token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
        string,
        unknown
      >;
      const forged = Buffer.from(
        JSON.stringify({ ...claims, sub: String(multiSiteUser.id) }),
      ).toString('base64url');
      expectError(await profile(`${header}.${forged}.${signature}`), 401, 'UNAUTHORIZED');
    });

    it('rejects an unsigned alg:none token', async () => {
      const { token } = await login(testApp, singleSiteUser);
      const [, payload] = token.split('.');
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const unsigned = `${header}.${payload}.`;
      expectError(await profile(unsigned), 401, 'UNAUTHORIZED');
    });

    it('rejects a token signed with another key', async () => {
      const { token } = await login(testApp, singleSiteUser);
      const claims = jwt.decode(token) as jwt.JwtPayload;
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const foreign = jwt.sign(claims, privateKey, { algorithm: 'RS256' });
      expectError(await profile(foreign), 401, 'UNAUTHORIZED');
    });

    it('rejects an expired token', async () => {
      const { token } = await login(testApp, singleSiteUser);
      const claims = jwt.decode(token) as jwt.JwtPayload;
      const keys = testApp.app.get<{ privateKey: string; kid: string }>(JWT_KEYS);
      const expired = jwt.sign(
        { ...claims, iat: claims.iat! - 3600, exp: Math.floor(Date.now() / 1000) - 60 },
        keys.privateKey,
        { algorithm: 'RS256', keyid: keys.kid },
      );
      expectError(await profile(expired), 401, 'UNAUTHORIZED');
    });

    it('rejects an HS256 token whose secret is the public key', async () => {
      const { token } = await login(testApp, singleSiteUser);
      const claims = jwt.decode(token) as jwt.JwtPayload;
      const keys = testApp.app.get<{ publicKey: string; kid: string }>(JWT_KEYS);
      const [, payload] = jwt.sign(claims, 'placeholder', { algorithm: 'HS256' }).split('.');
      const header = Buffer.from(
        JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: keys.kid }),
      ).toString('base64url');
      const signature = createHmac('sha256', keys.publicKey)
        .update(`${header}.${payload}`)
        .digest('base64url');
      expectError(await profile(`${header}.${payload}.${signature}`), 401, 'UNAUTHORIZED');
    });

    it('rejects a token naming an unknown kid, even when signed with the real key', async () => {
      const { token } = await login(testApp, singleSiteUser);
      const claims = jwt.decode(token) as jwt.JwtPayload;
      const keys = testApp.app.get<{ privateKey: string }>(JWT_KEYS);
      const unknownKid = jwt.sign(claims, keys.privateKey, {
        algorithm: 'RS256',
        keyid: 'retired-key',
      });
      expectError(await profile(unknownKid), 401, 'UNAUTHORIZED');
    });

    it('rejects a token issued in the future or not valid before a later time', async () => {
      const { token } = await login(testApp, singleSiteUser);
      const claims = jwt.decode(token) as jwt.JwtPayload;
      const keys = testApp.app.get<{ privateKey: string; kid: string }>(JWT_KEYS);
      const now = Math.floor(Date.now() / 1000);
      const sign = (extra: object) =>
        jwt.sign({ ...claims, ...extra }, keys.privateKey, { algorithm: 'RS256', keyid: keys.kid });
      expectError(await profile(sign({ iat: now + 3600, exp: now + 7200 })), 401, 'UNAUTHORIZED');
      expectError(await profile(sign({ nbf: now + 3600 })), 401, 'UNAUTHORIZED');
    });

    it('rejects the token of a user who was deleted', async () => {
      const doomed = await makeUser(testApp.dataSource, { sites: [[branch, 'viewer']] });
      const { token } = await login(testApp, doomed);
      await testApp.dataSource.query('DELETE FROM users WHERE id = $1', [doomed.id]);
      expectError(await profile(token), 401, 'UNAUTHORIZED');
    });

    it('rejects the token of a disabled user, refuses the login like a wrong password and the refresh, and accepts it again once enabled', async () => {
      const user = await makeUser(testApp.dataSource, { sites: [[branch, 'viewer']] });
      const { token, refresh_token: refreshToken } = await login(testApp, user);
      // Flag only, no session revocation (user:disable does both): the lookup itself must refuse.
      await testApp.dataSource.query('UPDATE users SET disabled_at = now() WHERE id = $1', [
        user.id,
      ]);
      expectError(await profile(token), 401, 'UNAUTHORIZED');
      const refused = await testApp.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: user.username, password: TEST_PASSWORD },
      });
      expectError(refused, 401, 'INVALID_CREDENTIALS');
      const refresh = await testApp.request({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refresh_token: refreshToken },
      });
      expectError(refresh, 401, 'INVALID_REFRESH_TOKEN');
      await testApp.dataSource.query('UPDATE users SET disabled_at = NULL WHERE id = $1', [
        user.id,
      ]);
      expect((await profile(token)).statusCode).toBe(200);
    });

    it('accepts a token the test signs with the real key, so the rejections above are about the defect', async () => {
      const { token } = await login(testApp, singleSiteUser);
      const claims = jwt.decode(token) as jwt.JwtPayload;
      const keys = testApp.app.get<{ privateKey: string; kid: string }>(JWT_KEYS);
      const resigned = jwt.sign(claims, keys.privateKey, { algorithm: 'RS256', keyid: keys.kid });
      expect((await profile(resigned)).statusCode).toBe(200);
    });

    it('publishes the verification key as a JWKS whose kid matches the tokens', async () => {
      const { token } = await login(testApp, singleSiteUser);
      const response = await testApp.request({ method: 'GET', url: '/.well-known/jwks.json' });
      expect(response.statusCode).toBe(200);
      const [key] = response.json<{ keys: Array<Record<string, string>> }>().keys;
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
      expect(key.kid).toBe(jwt.decode(token, { complete: true })!.header.kid);
    });
  });

  describe('refresh', () => {
    const refresh = (refreshToken: string) =>
      testApp.request({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refresh_token: refreshToken },
      });

    it('rotates the refresh token and keeps the selected site', async () => {
      const first = await login(testApp, multiSiteUser);
      await testApp.request({
        method: 'POST',
        url: '/api/v1/auth/site',
        headers: bearer(first.token),
        payload: { site_id: branch.id },
      });
      const response = await refresh(first.refresh_token);
      expect(response.statusCode).toBe(200);
      const second = response.json<{ token: string; refresh_token: string; expires: string }>();
      expect(second.refresh_token).not.toBe(first.refresh_token);
      const sessionOf = (token: string) => (jwt.decode(token) as jwt.JwtPayload).sid as string;
      expect(sessionOf(second.token)).toBe(sessionOf(first.token));
      const me = await profile(second.token);
      expect(me.json<{ user: { current_site_id: number } }>().user.current_site_id).toBe(branch.id);
    });

    it('revokes the whole session when a used refresh token is presented again', async () => {
      const first = await login(testApp, multiSiteUser);
      const rotated = (await refresh(first.refresh_token)).json<{
        token: string;
        refresh_token: string;
      }>();

      expectError(await refresh(first.refresh_token), 401, 'INVALID_REFRESH_TOKEN');

      expectError(await refresh(rotated.refresh_token), 401, 'INVALID_REFRESH_TOKEN');
      expectError(await profile(rotated.token), 401, 'UNAUTHORIZED');
      expectError(await profile(first.token), 401, 'UNAUTHORIZED');
    });

    it('rejects an unknown refresh token with 401 INVALID_REFRESH_TOKEN', async () => {
      expectError(await refresh('x'.repeat(43)), 401, 'INVALID_REFRESH_TOKEN');
    });

    it('rejects an expired refresh token', async () => {
      const { refresh_token: refreshToken } = await login(testApp, singleSiteUser);
      await testApp.dataSource.query(
        `UPDATE refresh_tokens SET expires_at = now() - interval '1 second'`,
      );
      expectError(await refresh(refreshToken), 401, 'INVALID_REFRESH_TOKEN');
    });
  });

  describe('logout', () => {
    it('kills the access token and the refresh token at once', async () => {
      const session = await login(testApp, multiSiteUser);
      expect((await profile(session.token)).statusCode).toBe(200);

      const response = await testApp.request({
        method: 'POST',
        url: '/api/v1/auth/logout',
        headers: bearer(session.token),
        payload: { token: session.token },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ success: true });

      expectError(await profile(session.token), 401, 'UNAUTHORIZED');
      const refreshed = await testApp.request({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refresh_token: session.refresh_token },
      });
      expectError(refreshed, 401, 'INVALID_REFRESH_TOKEN');
    });

    it('leaves the other sessions of the user alive', async () => {
      const kept = await login(testApp, multiSiteUser);
      const ended = await login(testApp, multiSiteUser);
      await testApp.request({
        method: 'POST',
        url: '/api/v1/auth/logout',
        headers: bearer(ended.token),
      });
      expect((await profile(kept.token)).statusCode).toBe(200);
    });
  });

  describe('sites and site context', () => {
    it("lists the caller's sites with the role on each", async () => {
      const { token } = await login(testApp, multiSiteUser);
      const response = await testApp.request({
        method: 'GET',
        url: '/api/v1/auth/sites',
        headers: bearer(token),
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        sites: [
          {
            id: headquarters.id,
            name: 'Headquarters',
            description: headquarters.description,
            role: 'member',
          },
          { id: branch.id, name: 'Branch', description: branch.description, role: 'manager' },
        ],
      });
    });

    it('selects a site of the caller and reports it in the profile', async () => {
      const { token } = await login(testApp, multiSiteUser);
      const response = await testApp.request({
        method: 'POST',
        url: '/api/v1/auth/site',
        headers: bearer(token),
        payload: { site_id: headquarters.id },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ success: true });
      const me = (await profile(token)).json<{ user: { current_site_id: number } }>();
      expect(me.user.current_site_id).toBe(headquarters.id);
    });

    it('refuses a site the caller does not belong to with 403 FORBIDDEN', async () => {
      const { token } = await login(testApp, multiSiteUser);
      const response = await testApp.request({
        method: 'POST',
        url: '/api/v1/auth/site',
        headers: bearer(token),
        payload: { site_id: elsewhere.id },
      });
      expectError(response, 403, 'FORBIDDEN');
      const me = (await profile(token)).json<{ user: { current_site_id: number | null } }>();
      expect(me.user.current_site_id).toBeNull();
    });

    it('answers 422 for a site_id that is not an integer', async () => {
      const { token } = await login(testApp, multiSiteUser);
      const response = await testApp.request({
        method: 'POST',
        url: '/api/v1/auth/site',
        headers: bearer(token),
        payload: { site_id: 'two' },
      });
      const error = expectError(response, 422, 'VALIDATION_ERROR');
      expect(error.details).toHaveProperty('site_id');
    });
  });

  describe('password reset', () => {
    const requestReset = (email: unknown) =>
      testApp.request({ method: 'POST', url: '/api/v1/auth/password/reset', payload: { email } });
    const confirm = (token: string, password: string) =>
      testApp.request({
        method: 'POST',
        url: '/api/v1/auth/password/reset/confirm',
        payload: { token, password },
      });

    it('mails a single-use token that sets the new password and ends every session', async () => {
      const user = await makeUser(testApp.dataSource, {
        username: 'carol',
        email: 'carol@example.test',
      });
      const before = await login(testApp, user);

      const response = await requestReset('Carol@Example.test');
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ success: true });

      const mail = await smtp.waitFor('carol@example.test');
      expect(mail.text).toContain('https://app.example.test/reset?token=');
      const token = /Reset token: ([\w-]+)/.exec(mail.text)![1];

      expect((await confirm(token, 'a-brand-new-password')).statusCode).toBe(200);
      expectError(await profile(before.token), 401, 'UNAUTHORIZED');
      await login(testApp, user, 'a-brand-new-password');
      const oldPassword = await testApp.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'carol', password: TEST_PASSWORD },
      });
      expectError(oldPassword, 401, 'INVALID_CREDENTIALS');
      expectError(await confirm(token, 'yet-another-password'), 400, 'INVALID_RESET_TOKEN');
    });

    it('answers the same for an address without an account and sends nothing', async () => {
      const response = await requestReset('ghost@example.test');
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ success: true });
      await expect(smtp.waitFor('ghost@example.test', 500)).rejects.toThrow(/no mail/);
    });

    it('sends at most 3 reset mails per account and hour, answering the same to every request', async () => {
      const flooded = await makeUser(testApp.dataSource, {
        username: 'erin',
        email: 'erin@example.test',
      });
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const response = await requestReset('erin@example.test');
        expect(response.json()).toEqual({ success: true });
      }
      const [{ count }] = await testApp.dataSource.query<Array<{ count: string }>>(
        'SELECT count(*) FROM password_reset_tokens WHERE user_id = $1',
        [flooded.id],
      );
      expect(Number(count)).toBe(3);
    });

    it('answers 400 INVALID_EMAIL for a malformed address', async () => {
      expectError(await requestReset('not-an-email'), 400, 'INVALID_EMAIL');
      expectError(await requestReset(42), 400, 'INVALID_EMAIL');
    });

    it('rejects an unknown token with 400 INVALID_RESET_TOKEN', async () => {
      expectError(
        await confirm('made-up-token', 'a-brand-new-password'),
        400,
        'INVALID_RESET_TOKEN',
      );
    });

    it('rejects an expired token', async () => {
      await makeUser(testApp.dataSource, { username: 'dave', email: 'dave@example.test' });
      await requestReset('dave@example.test');
      const token = /Reset token: ([\w-]+)/.exec(
        (await smtp.waitFor('dave@example.test')).text,
      )![1];
      await testApp.dataSource.query(
        `UPDATE password_reset_tokens SET expires_at = now() - interval '1 second'`,
      );
      expectError(await confirm(token, 'a-brand-new-password'), 400, 'INVALID_RESET_TOKEN');
    });

    it('enforces 12 to 128 characters for the new password with 422', async () => {
      const error = expectError(await confirm('whatever', 'short'), 422, 'VALIDATION_ERROR');
      expect(error.details).toEqual({ password: 'password must be 12 to 128 characters long' });
    });
  });
});
