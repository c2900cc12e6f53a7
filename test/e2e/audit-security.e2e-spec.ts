import { createHash } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import jwt from 'jsonwebtoken';
import { QueryFailedError } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWT_KEYS } from '../../src/auth/auth.constants';
import type { AccessTokenDto, LoginResponseDto } from '../../src/auth/dto/login.dto';
import type { User } from '../../src/auth/entities/user.entity';
import type { JwtKeys } from '../../src/auth/jwt-keys';
import { UserAdminService } from '../../src/cli/user-admin.service';
import type { Site } from '../../src/sites/entities/site.entity';
import {
  auditEventsSince,
  auditMark,
  failCommitsWriting,
  refuseAuditEventsOf,
  type AuditRow,
} from '../support/audit-events';
import { bearer, expectError } from '../support/auth-helpers';
import { makeSite, makeUser, TEST_PASSWORD } from '../support/factories';
import { SmtpCatcher } from '../support/smtp-catcher';
import { createTestApp, type TestApp } from '../support/test-app';

/** A client address no default could produce, so the events' `ip` is the request's. */
const CLIENT_IP = '203.0.113.7';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('security events in the audit trail', () => {
  let testApp: TestApp;
  let smtp: SmtpCatcher;
  let headquarters: Site;
  let branch: Site;

  beforeAll(async () => {
    smtp = new SmtpCatcher();
    testApp = await createTestApp({
      SMTP_URL: await smtp.start(),
      PASSWORD_RESET_URL: 'https://app.example.test/reset',
    });
    headquarters = await makeSite(testApp.dataSource, { name: 'Headquarters' });
    branch = await makeSite(testApp.dataSource, { name: 'Branch' });
  });

  afterAll(async () => {
    await testApp?.close();
    await smtp?.stop();
  });

  const send = (options: InjectOptions) =>
    testApp.request({ remoteAddress: CLIENT_IP, ...options });

  const postLogin = (username: string, password: string) =>
    send({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });

  async function login(user: User, password = TEST_PASSWORD): Promise<LoginResponseDto> {
    const response = await postLogin(user.username, password);
    expect(response.statusCode).toBe(200);
    return response.json<LoginResponseDto>();
  }

  const refresh = (refreshToken: string) =>
    send({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: refreshToken } });
  const logout = (token: string) =>
    send({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(token), payload: {} });
  const selectSite = (token: string, siteId: number) =>
    send({
      method: 'POST',
      url: '/api/v1/auth/site',
      headers: bearer(token),
      payload: { site_id: siteId },
    });
  const requestReset = (email: string) =>
    send({ method: 'POST', url: '/api/v1/auth/password/reset', payload: { email } });
  const confirmReset = (token: string, password: string) =>
    send({
      method: 'POST',
      url: '/api/v1/auth/password/reset/confirm',
      payload: { token, password },
    });
  const profile = (token: string) =>
    send({ method: 'GET', url: '/api/v1/auth/profile', headers: bearer(token) });

  /** The request columns of an event written while answering `response`. */
  const fromRequest = (response: LightMyRequestResponse) => ({
    request_id: response.headers['x-request-id'],
    ip: CLIENT_IP,
  });
  const sessionOf = (token: string) => (jwt.decode(token) as { sid: string }).sid;

  /** Runs `act` and returns it with the events it wrote. */
  async function recorded<T>(act: () => Promise<T>): Promise<{ result: T; events: AuditRow[] }> {
    const mark = await auditMark(testApp.dataSource);
    const result = await act();
    return { result, events: await auditEventsSince(testApp.dataSource, mark) };
  }

  async function mailedResetToken(email: string): Promise<string> {
    const mail = await smtp.waitFor(email);
    return /Reset token: ([\w-]+)/.exec(mail.text)![1];
  }

  describe('login', () => {
    it('records a successful login as the user, on the session it started, in the site selected at login', async () => {
      const user = await makeUser(testApp.dataSource, { sites: [[branch, 'viewer']] });
      const { result: response, events } = await recorded(() =>
        postLogin(user.username, TEST_PASSWORD),
      );
      expect(response.statusCode).toBe(200);
      expect(events).toEqual([
        {
          action: 'auth.login_succeeded',
          actor_type: 'user',
          actor_id: String(user.id),
          site_id: branch.id,
          target_type: 'session',
          target_id: sessionOf(response.json<LoginResponseDto>().token),
          changes: null,
          ...fromRequest(response),
        },
      ]);
    });

    it('records a login with no site selected with no site', async () => {
      const user = await makeUser(testApp.dataSource, {
        sites: [
          [headquarters, 'member'],
          [branch, 'member'],
        ],
      });
      const { events } = await recorded(() => login(user));
      expect(events.map(({ action, site_id }) => ({ action, site_id }))).toEqual([
        { action: 'auth.login_succeeded', site_id: null },
      ]);
    });

    it('records a wrong password as a failed login of the account named, by nobody known', async () => {
      const user = await makeUser(testApp.dataSource);
      const { result: response, events } = await recorded(() =>
        postLogin(user.username, 'not-the-password'),
      );
      expectError(response, 401, 'INVALID_CREDENTIALS');
      expect(events).toEqual([
        {
          action: 'auth.login_failed',
          actor_type: 'user',
          actor_id: null,
          site_id: null,
          target_type: 'user',
          target_id: String(user.id),
          changes: null,
          ...fromRequest(response),
        },
      ]);
    });

    it('records a failed login of an unknown name without naming anybody', async () => {
      const { result: response, events } = await recorded(() =>
        postLogin('nobody-at-all', 'not-the-password'),
      );
      expectError(response, 401, 'INVALID_CREDENTIALS');
      expect(events).toEqual([
        {
          action: 'auth.login_failed',
          actor_type: 'user',
          actor_id: null,
          site_id: null,
          target_type: null,
          target_id: null,
          changes: null,
          ...fromRequest(response),
        },
      ]);
    });

    it('records a login attempt of a disabled account, right password included, as a failure of that account', async () => {
      const user = await makeUser(testApp.dataSource);
      await testApp.dataSource.query('UPDATE users SET disabled_at = now() WHERE id = $1', [
        user.id,
      ]);
      const { result: response, events } = await recorded(() =>
        postLogin(user.email, TEST_PASSWORD),
      );
      expectError(response, 401, 'INVALID_CREDENTIALS');
      expect(events.map(({ action, target_id }) => ({ action, target_id }))).toEqual([
        { action: 'auth.login_failed', target_id: String(user.id) },
      ]);
    });

    it('records no session and no event when the login event cannot be written', async () => {
      const user = await makeUser(testApp.dataSource);
      const allowAgain = await refuseAuditEventsOf(testApp.dataSource, 'auth.login_succeeded');
      try {
        expectError(await postLogin(user.username, TEST_PASSWORD), 500, 'SERVER_ERROR');
      } finally {
        await allowAgain();
      }
      const [{ count }] = await testApp.dataSource.query<Array<{ count: string }>>(
        'SELECT count(*) FROM sessions WHERE user_id = $1',
        [user.id],
      );
      expect(Number(count)).toBe(0);
    });
  });

  describe('logout', () => {
    it('records the logout as the user, on the session, in its current site', async () => {
      const user = await makeUser(testApp.dataSource, { sites: [[branch, 'member']] });
      const session = await login(user);
      const { result: response, events } = await recorded(() => logout(session.token));
      expect(response.statusCode).toBe(200);
      expect(events).toEqual([
        {
          action: 'auth.logout',
          actor_type: 'user',
          actor_id: String(user.id),
          site_id: branch.id,
          target_type: 'session',
          target_id: sessionOf(session.token),
          changes: null,
          ...fromRequest(response),
        },
      ]);
    });

    it('keeps the session when the logout event cannot be written', async () => {
      const user = await makeUser(testApp.dataSource);
      const session = await login(user);
      const allowAgain = await refuseAuditEventsOf(testApp.dataSource, 'auth.logout');
      try {
        expectError(await logout(session.token), 500, 'SERVER_ERROR');
      } finally {
        await allowAgain();
      }
      expect((await profile(session.token)).statusCode).toBe(200);
    });

    it('records no logout when the revocation rolls back at commit', async () => {
      const user = await makeUser(testApp.dataSource);
      const session = await login(user);
      const allowAgain = await failCommitsWriting(testApp.dataSource, 'sessions');
      try {
        const { result: response, events } = await recorded(() => logout(session.token));
        expectError(response, 500, 'SERVER_ERROR');
        expect(events).toEqual([]);
      } finally {
        await allowAgain();
      }
      expect((await profile(session.token)).statusCode).toBe(200);
    });
  });

  describe('refresh', () => {
    it('records nothing for a refresh that rotates the token', async () => {
      const user = await makeUser(testApp.dataSource);
      const session = await login(user);
      const { result: response, events } = await recorded(() => refresh(session.refresh_token));
      expect(response.statusCode).toBe(200);
      expect(events).toEqual([]);
    });

    it('records a reused refresh token once, as the session’s user, and ends the session with it', async () => {
      const user = await makeUser(testApp.dataSource, { sites: [[headquarters, 'viewer']] });
      const session = await login(user);
      const rotated = (await refresh(session.refresh_token)).json<AccessTokenDto>();
      const { result: response, events } = await recorded(() => refresh(session.refresh_token));
      expectError(response, 401, 'INVALID_REFRESH_TOKEN');
      expect(events).toEqual([
        {
          action: 'auth.refresh_token_reused',
          actor_type: 'user',
          actor_id: String(user.id),
          site_id: headquarters.id,
          target_type: 'session',
          target_id: sessionOf(session.token),
          changes: null,
          ...fromRequest(response),
        },
      ]);
      expectError(await profile(rotated.token), 401, 'UNAUTHORIZED');
    });

    it('keeps the session when the reuse event cannot be written', async () => {
      const user = await makeUser(testApp.dataSource);
      const session = await login(user);
      const rotated = (await refresh(session.refresh_token)).json<AccessTokenDto>();
      const allowAgain = await refuseAuditEventsOf(testApp.dataSource, 'auth.refresh_token_reused');
      try {
        expectError(await refresh(session.refresh_token), 500, 'SERVER_ERROR');
      } finally {
        await allowAgain();
      }
      expect((await profile(rotated.token)).statusCode).toBe(200);
    });

    it('records nothing for a refresh token nobody issued', async () => {
      const { result: response, events } = await recorded(() => refresh('x'.repeat(43)));
      expectError(response, 401, 'INVALID_REFRESH_TOKEN');
      expect(events).toEqual([]);
    });
  });

  describe('site selection', () => {
    it('records the site selected as the user, on that site', async () => {
      const user = await makeUser(testApp.dataSource, {
        sites: [
          [headquarters, 'member'],
          [branch, 'viewer'],
        ],
      });
      const session = await login(user);
      const { result: response, events } = await recorded(() =>
        selectSite(session.token, branch.id),
      );
      expect(response.statusCode).toBe(200);
      expect(events).toEqual([
        {
          action: 'auth.site_selected',
          actor_type: 'user',
          actor_id: String(user.id),
          site_id: branch.id,
          target_type: 'site',
          target_id: String(branch.id),
          changes: null,
          ...fromRequest(response),
        },
      ]);
    });

    it('records nothing for a site the user does not belong to', async () => {
      const user = await makeUser(testApp.dataSource, { sites: [[headquarters, 'member']] });
      const session = await login(user);
      const { result: response, events } = await recorded(() =>
        selectSite(session.token, branch.id),
      );
      expectError(response, 403, 'FORBIDDEN');
      expect(events).toEqual([]);
    });

    it('records no selection and keeps the former site when the change rolls back at commit', async () => {
      const user = await makeUser(testApp.dataSource, {
        sites: [
          [headquarters, 'member'],
          [branch, 'viewer'],
        ],
      });
      const session = await login(user);
      expect((await selectSite(session.token, headquarters.id)).statusCode).toBe(200);
      const allowAgain = await failCommitsWriting(testApp.dataSource, 'sessions');
      try {
        const { result: response, events } = await recorded(() =>
          selectSite(session.token, branch.id),
        );
        expectError(response, 500, 'SERVER_ERROR');
        expect(events).toEqual([]);
      } finally {
        await allowAgain();
      }
      const current = (await profile(session.token)).json<{ user: { current_site_id: number } }>();
      expect(current.user.current_site_id).toBe(headquarters.id);
    });
  });

  describe('password reset', () => {
    it('records a request for an account as that account, without the address typed', async () => {
      const user = await makeUser(testApp.dataSource, { email: 'reset-me@example.test' });
      const { result: response, events } = await recorded(() =>
        requestReset('Reset-Me@Example.test'),
      );
      expect(response.statusCode).toBe(200);
      expect(events).toEqual([
        {
          action: 'auth.password_reset_requested',
          actor_type: 'user',
          actor_id: String(user.id),
          site_id: null,
          target_type: 'user',
          target_id: String(user.id),
          changes: null,
          ...fromRequest(response),
        },
      ]);
      await smtp.waitFor('reset-me@example.test');
    });

    it('records a request for an address without account as nobody’s, without the address', async () => {
      const { result: response, events } = await recorded(() =>
        requestReset('no-account@example.test'),
      );
      expect(response.statusCode).toBe(200);
      expect(events).toEqual([
        {
          action: 'auth.password_reset_requested',
          actor_type: 'user',
          actor_id: null,
          site_id: null,
          target_type: null,
          target_id: null,
          changes: null,
          ...fromRequest(response),
        },
      ]);
    });

    it('issues no reset token when the request event cannot be written', async () => {
      const user = await makeUser(testApp.dataSource, { email: 'unrecorded@example.test' });
      const allowAgain = await refuseAuditEventsOf(
        testApp.dataSource,
        'auth.password_reset_requested',
      );
      try {
        expectError(await requestReset(user.email), 500, 'SERVER_ERROR');
      } finally {
        await allowAgain();
      }
      const [{ count }] = await testApp.dataSource.query<Array<{ count: string }>>(
        'SELECT count(*) FROM password_reset_tokens WHERE user_id = $1',
        [user.id],
      );
      expect(Number(count)).toBe(0);
    });

    it('records the completed reset as the user', async () => {
      const user = await makeUser(testApp.dataSource, { email: 'completes@example.test' });
      await requestReset(user.email);
      const token = await mailedResetToken(user.email);
      const { result: response, events } = await recorded(() =>
        confirmReset(token, 'a-completely-new-password'),
      );
      expect(response.statusCode).toBe(200);
      expect(events).toEqual([
        {
          action: 'auth.password_reset_completed',
          actor_type: 'user',
          actor_id: String(user.id),
          site_id: null,
          target_type: 'user',
          target_id: String(user.id),
          changes: null,
          ...fromRequest(response),
        },
      ]);
    });

    it('records nothing and keeps the password when the reset rolls back at commit', async () => {
      const user = await makeUser(testApp.dataSource, { email: 'rolled-back@example.test' });
      await requestReset(user.email);
      const token = await mailedResetToken(user.email);
      const allowAgain = await failCommitsWriting(testApp.dataSource, 'users');
      try {
        const { result: response, events } = await recorded(() =>
          confirmReset(token, 'a-password-never-set'),
        );
        expectError(response, 500, 'SERVER_ERROR');
        expect(events).toEqual([]);
      } finally {
        await allowAgain();
      }
      await login(user, TEST_PASSWORD);
    });
  });

  describe('the trail itself', () => {
    it('refuses UPDATE, DELETE and TRUNCATE of audit_events with SQLSTATE 42501 and keeps every row', async () => {
      await login(await makeUser(testApp.dataSource));
      const count = async () =>
        (
          await testApp.dataSource.query<Array<{ count: string }>>(
            'SELECT count(*) FROM audit_events',
          )
        )[0].count;
      const before = await count();
      expect(Number(before)).toBeGreaterThan(0);
      for (const sql of [
        `UPDATE audit_events SET actor_id = NULL`,
        `DELETE FROM audit_events`,
        `TRUNCATE audit_events`,
      ]) {
        const failure = await testApp.dataSource.query(sql).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(failure, sql).toBeInstanceOf(QueryFailedError);
        expect(
          (failure as QueryFailedError & { driverError: { code: string } }).driverError.code,
        ).toBe('42501');
      }
      expect(await count()).toBe(before);
    });
  });

  describe('secrets', () => {
    it('writes no password, token, token hash, password hash or private key into any event of a whole flow', async () => {
      const admin = new UserAdminService();
      const newPassword = 'reset-to-this-password-91';
      const cliPassword = 'set-by-the-cli-password-37';
      const wrongPassword = 'a-wrong-password-typed-55';
      const passwordAsUsername = 'password-typed-as-name-73';
      const unknownAddress = 'address-of-nobody@example.test';
      const user = await makeUser(testApp.dataSource, {
        username: 'secretive',
        email: 'secretive@example.test',
        sites: [
          [headquarters, 'member'],
          [branch, 'viewer'],
        ],
      });
      const accessTokens: string[] = [];
      const refreshTokens: string[] = [];
      const keep = (tokens: AccessTokenDto) => {
        accessTokens.push(tokens.token);
        refreshTokens.push(tokens.refresh_token);
        return tokens;
      };
      const mark = await auditMark(testApp.dataSource);

      const first = keep(await login(user));
      expectError(await postLogin(user.username, wrongPassword), 401, 'INVALID_CREDENTIALS');
      expectError(await postLogin(passwordAsUsername, wrongPassword), 401, 'INVALID_CREDENTIALS');
      expect((await selectSite(first.token, branch.id)).statusCode).toBe(200);
      keep((await refresh(first.refresh_token)).json<AccessTokenDto>());
      expectError(await refresh(first.refresh_token), 401, 'INVALID_REFRESH_TOKEN');
      expect((await requestReset(unknownAddress)).statusCode).toBe(200);
      expect((await requestReset(user.email)).statusCode).toBe(200);
      const resetToken = await mailedResetToken(user.email);
      expect((await confirmReset(resetToken, newPassword)).statusCode).toBe(200);
      const second = keep(await login(user, newPassword));
      expect((await logout(second.token)).statusCode).toBe(200);
      await admin.setPassword(testApp.dataSource, { user: user.username, password: cliPassword });
      await admin.grantRole(testApp.dataSource, {
        user: user.username,
        siteId: branch.id,
        role: 'manager',
      });
      await admin.revokeRole(testApp.dataSource, { user: user.username, siteId: branch.id });
      await admin.setDisabled(testApp.dataSource, { user: user.username, disabled: true });
      await admin.setDisabled(testApp.dataSource, { user: user.username, disabled: false });
      keep(await login(user, cliPassword));

      const rows = await testApp.dataSource.query<Array<{ action: string; json: string }>>(
        'SELECT e.action, row_to_json(e)::text AS json FROM audit_events e WHERE e.id > $1',
        [mark],
      );
      // The scan means something only if every kind of security event is among the rows.
      expect(new Set(rows.map((row) => row.action))).toEqual(
        new Set([
          'auth.login_succeeded',
          'auth.login_failed',
          'auth.site_selected',
          'auth.refresh_token_reused',
          'auth.password_reset_requested',
          'auth.password_reset_completed',
          'auth.logout',
          'user.password_set',
          'user.role_granted',
          'user.role_revoked',
          'user.disabled',
          'user.enabled',
        ]),
      );
      const passwordHashes = (
        await testApp.dataSource.query<Array<{ password_hash: string }>>(
          'SELECT password_hash FROM users',
        )
      ).map((row) => row.password_hash);
      const privateKey = testApp.app.get<string, JwtKeys>(JWT_KEYS).privateKey;
      const keyLines = privateKey
        .split('\n')
        .filter((line) => line.length > 16 && !line.startsWith('-----'));
      const secrets = [
        TEST_PASSWORD,
        newPassword,
        cliPassword,
        wrongPassword,
        passwordAsUsername,
        unknownAddress,
        resetToken,
        sha256(resetToken),
        ...accessTokens,
        ...accessTokens.map((token) => token.split('.')[2]),
        ...refreshTokens,
        ...refreshTokens.map(sha256),
        ...passwordHashes,
        privateKey,
        ...keyLines,
      ];
      expect(keyLines.length).toBeGreaterThan(10);
      const leaks = rows.flatMap((row) =>
        secrets
          .filter((secret) => row.json.includes(secret) || row.json.includes(jsonText(secret)))
          .map((secret) => `${row.action} contains ${secret.slice(0, 12)}…`),
      );
      expect(leaks).toEqual([]);
    });
  });
});

/** How `text` reads inside a JSON string (a PEM's line breaks become "\n"). */
function jsonText(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}
