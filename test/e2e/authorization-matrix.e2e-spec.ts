import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/entities/user.entity';
import type { Site } from '../../src/sites/entities/site.entity';
import { makeInteraction, makeSite, makeUser } from '../support/factories';
import { EXAMPLE_INTERACTION, sessionIn } from '../support/interaction-helpers';
import { runStatement } from '../../src/database/statement';
import { moveToTrashStatement } from '../../src/interactions/trash/trash-sql';
import { listRoutes } from '../support/routes';
import { createTestApp, type TestApp } from '../support/test-app';

/** Who calls: no token; a member of another site only; a viewer, member or manager of the site. */
const CALLERS = ['anonymous', 'outsider', 'viewer', 'member', 'manager'] as const;
type Caller = (typeof CALLERS)[number];

/** Whose record a record-level call touches: the caller's own, or someone else's of the same site. */
type Owner = 'own' | 'other';

interface Rule {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `{site}` is the site under test, `{record}` a fresh interaction of it. */
  path: string;
  body?: unknown;
  expected: Record<Caller, number> | Record<Owner, Record<Caller, number>>;
}

const EVERYONE_AUTHENTICATED = {
  anonymous: 401,
  outsider: 200,
  viewer: 200,
  member: 200,
  manager: 200,
};
const SITE_READERS = { anonymous: 401, outsider: 200, viewer: 200, member: 200, manager: 200 };
const PUBLIC = { anonymous: 200, outsider: 200, viewer: 200, member: 200, manager: 200 };

/**
 * One row per authenticated or public route (OWASP API1/API5). A route missing here fails the
 * first test, so no endpoint ships without a decided rule. The outsider works in their own site,
 * where the site under test's records do not exist (404), and lists show only their site.
 */
const RULES: Record<string, Rule> = {
  'AuthController.logout': {
    method: 'POST',
    path: '/api/v1/auth/logout',
    expected: EVERYONE_AUTHENTICATED,
  },
  'AuthController.mySites': {
    method: 'GET',
    path: '/api/v1/auth/sites',
    expected: EVERYONE_AUTHENTICATED,
  },
  'AuthController.selectSite': {
    method: 'POST',
    path: '/api/v1/auth/site',
    body: { site_id: '{site}' },
    expected: { anonymous: 401, outsider: 403, viewer: 200, member: 200, manager: 200 },
  },
  'AuthController.profile': {
    method: 'GET',
    path: '/api/v1/auth/profile',
    expected: EVERYONE_AUTHENTICATED,
  },
  'SitesController.list': {
    method: 'GET',
    path: '/api/v1/sites',
    expected: EVERYONE_AUTHENTICATED,
  },
  'SitesController.get': {
    method: 'GET',
    path: '/api/v1/sites/{site}',
    expected: { anonymous: 401, outsider: 403, viewer: 200, member: 200, manager: 200 },
  },
  'UserSitesController.mySites': {
    method: 'GET',
    path: '/api/v1/users/sites',
    expected: EVERYONE_AUTHENTICATED,
  },
  'InteractionsController.list': {
    method: 'GET',
    path: '/api/v1/interactions',
    expected: SITE_READERS,
  },
  'InteractionsController.create': {
    method: 'POST',
    path: '/api/v1/interactions',
    body: EXAMPLE_INTERACTION,
    expected: { anonymous: 401, outsider: 201, viewer: 403, member: 201, manager: 201 },
  },
  'InteractionsController.get': {
    method: 'GET',
    path: '/api/v1/interactions/{record}',
    expected: {
      own: { anonymous: 401, outsider: 404, viewer: 200, member: 200, manager: 200 },
      other: { anonymous: 401, outsider: 404, viewer: 200, member: 200, manager: 200 },
    },
  },
  ...Object.fromEntries(
    (
      [
        ['InteractionsController.replace', 'PUT', EXAMPLE_INTERACTION],
        ['InteractionsController.patch', 'PATCH', { notes: 'changed' }],
        ['InteractionsController.remove', 'DELETE', undefined],
      ] as const
    ).map(([route, method, body]) => [
      route,
      {
        method,
        path: '/api/v1/interactions/{record}',
        body,
        expected: {
          own: { anonymous: 401, outsider: 404, viewer: 403, member: 200, manager: 200 },
          other: { anonymous: 401, outsider: 404, viewer: 403, member: 403, manager: 200 },
        },
      },
    ]),
  ),
  'TrashController.list': {
    method: 'GET',
    path: '/api/v1/interactions/trash',
    // The outsider lists the trash of their own site.
    expected: { anonymous: 401, outsider: 200, viewer: 403, member: 200, manager: 200 },
  },
  'TrashController.restore': {
    method: 'POST',
    path: '/api/v1/interactions/{trashed}/restore',
    expected: {
      own: { anonymous: 401, outsider: 404, viewer: 403, member: 200, manager: 200 },
      other: { anonymous: 401, outsider: 404, viewer: 403, member: 403, manager: 200 },
    },
  },
  'HistoryController.recordHistory': {
    method: 'GET',
    path: '/api/v1/interactions/{record}/history',
    expected: {
      own: { anonymous: 401, outsider: 404, viewer: 200, member: 200, manager: 200 },
      other: { anonymous: 401, outsider: 404, viewer: 200, member: 200, manager: 200 },
    },
  },
  'HistoryController.changes': {
    method: 'GET',
    path: '/api/v1/interactions/changes',
    expected: SITE_READERS,
  },
  'AuditController.list': {
    method: 'GET',
    path: '/api/v1/audit',
    // The outsider manages their own site and reads its trail.
    expected: { anonymous: 401, outsider: 200, viewer: 403, member: 403, manager: 200 },
  },
  'InteractionTransferController.export': {
    method: 'GET',
    path: '/api/v1/interactions/export',
    expected: SITE_READERS,
  },
  // No body: an empty import (nothing written) tells the role check passed.
  'InteractionTransferController.import': {
    method: 'POST',
    path: '/api/v1/interactions/import',
    expected: { anonymous: 401, outsider: 200, viewer: 403, member: 200, manager: 200 },
  },
  'SearchController.text': {
    method: 'GET',
    path: '/api/v1/search/interactions?query=xyz',
    expected: SITE_READERS,
  },
  'SearchController.advanced': {
    method: 'POST',
    path: '/api/v1/search/advanced',
    body: {},
    expected: SITE_READERS,
  },
  'SearchController.dateRange': {
    method: 'GET',
    path: '/api/v1/search/date-range?start_date=2023-01-01&end_date=2023-12-31',
    expected: SITE_READERS,
  },
  'SearchController.byType': {
    method: 'GET',
    path: '/api/v1/search/type/Meeting',
    expected: SITE_READERS,
  },
  'SearchController.byLead': {
    method: 'GET',
    path: '/api/v1/search/lead/Doe',
    expected: SITE_READERS,
  },
  'SearchController.upcoming': {
    method: 'GET',
    path: '/api/v1/search/upcoming',
    expected: SITE_READERS,
  },
  'SearchController.recent': {
    method: 'GET',
    path: '/api/v1/search/recent',
    expected: SITE_READERS,
  },
  'HealthController.live': { method: 'GET', path: '/health/live', expected: PUBLIC },
  'HealthController.ready': { method: 'GET', path: '/health/ready', expected: PUBLIC },
  'JwksController.jwks': { method: 'GET', path: '/.well-known/jwks.json', expected: PUBLIC },
  // Open here because this app sets no METRICS_TOKEN; the token check is metrics.e2e-spec.ts's.
  'MetricsController.scrape': { method: 'GET', path: '/metrics', expected: PUBLIC },
};

/** Public routes whose outcome depends on credentials in the body, not on the caller. */
const CREDENTIAL_ROUTES = [
  'AuthController.login',
  'AuthController.refresh',
  'AuthController.requestPasswordReset',
  'AuthController.confirmPasswordReset',
];

describe('authorization matrix: every endpoint × caller × record owner', () => {
  let testApp: TestApp;
  let site: Site;
  let users: Record<Exclude<Caller, 'anonymous'>, User>;
  let colleague: User;
  let homes: Record<Exclude<Caller, 'anonymous'>, Site>;
  let headers: Record<Caller, Record<string, string>>;

  beforeAll(async () => {
    testApp = await createTestApp();
    site = await makeSite(testApp.dataSource);
    const elsewhere = await makeSite(testApp.dataSource);
    users = {
      outsider: await makeUser(testApp.dataSource, { sites: [[elsewhere, 'manager']] }),
      viewer: await makeUser(testApp.dataSource, { sites: [[site, 'viewer']] }),
      member: await makeUser(testApp.dataSource, { sites: [[site, 'member']] }),
      manager: await makeUser(testApp.dataSource, { sites: [[site, 'manager']] }),
    };
    colleague = await makeUser(testApp.dataSource, { sites: [[site, 'member']] });
    homes = { outsider: elsewhere, viewer: site, member: site, manager: site };
    headers = {
      anonymous: {},
      outsider: await sessionIn(testApp, users.outsider, homes.outsider),
      viewer: await sessionIn(testApp, users.viewer, homes.viewer),
      member: await sessionIn(testApp, users.member, homes.member),
      manager: await sessionIn(testApp, users.manager, homes.manager),
    };
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('has a rule for every route', () => {
    const routes = listRoutes(testApp).map((entry) => entry.route);
    const covered = [...Object.keys(RULES), ...CREDENTIAL_ROUTES];
    expect(routes.filter((route) => !covered.includes(route))).toEqual([]);
    expect(covered.filter((route) => !routes.includes(route))).toEqual([]);
  });

  const call = async (rule: Rule, caller: Caller, owner?: Owner) => {
    let path = rule.path.replace('{site}', String(site.id));
    const recordPlaceholder = ['{record}', '{trashed}'].find((key) => path.includes(key));
    if (recordPlaceholder !== undefined) {
      const creator =
        owner === 'own' && caller !== 'anonymous' && caller !== 'outsider'
          ? users[caller]
          : colleague;
      const record = await makeInteraction(testApp.dataSource, { site, user: creator });
      if (recordPlaceholder === '{trashed}') {
        await runStatement(
          testApp.dataSource,
          moveToTrashStatement(site.id, record.id, creator.id),
        );
      }
      path = path.replace(recordPlaceholder, record.id);
    }
    const body = JSON.parse(
      JSON.stringify(rule.body ?? null).replace('"{site}"', String(site.id)),
    ) as object | null;
    const response = await testApp.request({
      method: rule.method,
      url: path,
      headers: headers[caller],
      ...(body === null ? {} : { payload: body }),
    });
    // A logout ends the caller's session: log in again for the rest of the matrix.
    if (
      rule.path === '/api/v1/auth/logout' &&
      caller !== 'anonymous' &&
      response.statusCode === 200
    ) {
      headers[caller] = await sessionIn(testApp, users[caller], homes[caller]);
    }
    return response.statusCode;
  };

  for (const [route, rule] of Object.entries(RULES)) {
    it(`${route}: ${rule.method} ${rule.path}`, async () => {
      const actual: Record<string, number> = {};
      const expected: Record<string, number> = {};
      if ('own' in rule.expected) {
        for (const owner of ['own', 'other'] as const) {
          for (const caller of CALLERS) {
            actual[`${owner}/${caller}`] = await call(rule, caller, owner);
            expected[`${owner}/${caller}`] = rule.expected[owner][caller];
          }
        }
      } else {
        for (const caller of CALLERS) {
          actual[caller] = await call(rule, caller);
          expected[caller] = rule.expected[caller];
        }
      }
      expect(actual).toEqual(expected);
    });
  }
});
