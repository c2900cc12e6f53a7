/**
 * The benchmark's scenarios. `request(input)` builds one request; it runs once per request sent,
 * so ids, terms and months vary. `baseline: true` scenarios are also sent to the bare baseline
 * server (bench/baseline/), which answers the reads only.
 */

/** Terms of 3 to 6 letters found in the bulk data's word lists (titles, leads, locations, descriptions). */
export const SEARCH_TERMS = ['acme', 'chen', 'smith', 'demo', 'budget', 'pilot', 'renew', 'tokyo'];
/** Lower-case last names of the bulk data's lead pool, for `lead contains`. */
export const LEAD_NAMES = ['smith', 'garcia', 'chen', 'patel', 'tanaka', 'khan', 'silva', 'iyer'];
export const TYPES = ['Meeting', 'Call', 'Email', 'Video Call', 'Visit', 'Event', 'Other'];
export const TIME_ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Tokyo'];

import { BENCH_USER } from './server.mjs';

const JSON_HEADERS = { 'content-type': 'application/json' };

/** @template T @param {T[]} items @returns {T} */
const any = (items) => items[Math.floor(Math.random() * items.length)];

/**
 * 3 to 6 letters of a word of the bulk data, each letter in either case: some 38,000 strings, so
 * about one request in twenty of a 1,000-request run repeats a term; the search finds what the
 * letters find in any case.
 * @param {string[]} words @returns {string}
 */
function variedTerm(words) {
  const word = any(words);
  const length = 3 + Math.floor(Math.random() * (Math.min(6, word.length) - 2));
  const start = Math.floor(Math.random() * (word.length - length + 1));
  return [...word.slice(start, start + length)]
    .map((letter) => (Math.random() < 0.5 ? letter.toUpperCase() : letter))
    .join('');
}

/** A random month of the bulk data's span (two years back to two years ahead) as [first, last] day. */
function anyMonth() {
  const now = new Date();
  const first = new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + Math.floor(Math.random() * 47) - 24, 1),
  );
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0));
  return [first, last].map((date) => date.toISOString().slice(0, 10));
}

/**
 * @typedef {{ ids: string[], words: string[] }} ScenarioInput  ids: interaction ids of the
 *   benchmarked site; words: the bulk data's words (bulkWords())
 * @typedef {{ method: string, path: string, body?: string, headers?: Record<string, string> }} BenchRequest
 * @typedef {{ key: string, name: string, baseline: boolean, write?: boolean,
 *   expectedStatus?: number, anonymous?: boolean, connections?: number,
 *   targetP99Ms: number | undefined, request: (input: ScenarioInput) => BenchRequest }} Scenario
 */

/** @type {Scenario[]} */
export const SCENARIOS = [
  {
    key: 'list-page-1',
    name: 'GET /interactions page 1',
    baseline: true,
    targetP99Ms: 50,
    request: () => ({ method: 'GET', path: '/api/v1/interactions?page=1' }),
  },
  {
    key: 'list-page-500',
    name: 'GET /interactions page 500',
    baseline: true,
    targetP99Ms: 50,
    request: () => ({ method: 'GET', path: '/api/v1/interactions?page=500' }),
  },
  {
    key: 'get-by-id',
    name: 'GET /interactions/{id}',
    baseline: true,
    targetP99Ms: 10,
    request: ({ ids }) => ({ method: 'GET', path: `/api/v1/interactions/${any(ids)}` }),
  },
  {
    key: 'list-search',
    name: 'GET /interactions?search=',
    baseline: true,
    targetP99Ms: 50,
    request: () => ({ method: 'GET', path: `/api/v1/interactions?search=${any(SEARCH_TERMS)}` }),
  },
  {
    // The terms above repeat, so the product reuses their totals (PageTotals) after the first
    // request of each; these hardly ever repeat, so nearly every request counts its total.
    key: 'list-search-varied',
    name: 'GET /interactions?search= (varied terms)',
    baseline: true,
    targetP99Ms: 50,
    request: ({ words }) => ({
      method: 'GET',
      path: `/api/v1/interactions?search=${variedTerm(words)}`,
    }),
  },
  {
    key: 'search-advanced',
    name: 'POST /search/advanced',
    baseline: true,
    targetP99Ms: 50,
    request: () => ({
      method: 'POST',
      path: '/api/v1/search/advanced',
      headers: JSON_HEADERS,
      body: JSON.stringify({
        filters: [
          { field: 'type', operator: 'eq', value: any(TYPES) },
          { field: 'start_datetime', operator: 'gte', value: `${anyMonth()[0]}T00:00:00Z` },
          { field: 'lead', operator: 'contains', value: any(LEAD_NAMES) },
        ],
        sort: [{ field: 'start_datetime', direction: 'asc' }],
        page: 1,
        size: 20,
      }),
    }),
  },
  {
    key: 'search-date-range',
    name: 'GET /search/date-range (a month)',
    baseline: true,
    targetP99Ms: 50,
    request: () => {
      const [start, end] = anyMonth();
      return {
        method: 'GET',
        path: `/api/v1/search/date-range?start_date=${start}&end_date=${end}`,
      };
    },
  },
  {
    key: 'search-upcoming',
    name: 'GET /search/upcoming',
    baseline: true,
    targetP99Ms: 50,
    request: () => ({ method: 'GET', path: '/api/v1/search/upcoming' }),
  },
  {
    key: 'create',
    name: 'POST /interactions',
    baseline: false,
    write: true,
    targetP99Ms: undefined,
    request: () => {
      const start = new Date(Date.now() + Math.floor(Math.random() * 365 * 96) * 900_000);
      const end = new Date(start.getTime() + (1 + Math.floor(Math.random() * 16)) * 900_000);
      return {
        method: 'POST',
        path: '/api/v1/interactions',
        headers: JSON_HEADERS,
        body: JSON.stringify({
          title: `Benchmark ${any(['call', 'review', 'visit'])} ${Math.floor(Math.random() * 1e6)}`,
          type: any(TYPES),
          lead: `Bench ${any(LEAD_NAMES)}`,
          start_datetime: start.toISOString().replace(/\.\d{3}Z$/, 'Z'),
          end_datetime: end.toISOString().replace(/\.\d{3}Z$/, 'Z'),
          timezone: any(TIME_ZONES),
          location: 'Online',
          description: 'Created by npm run bench',
        }),
      };
    },
  },
  // The pair below measures what the login test (auth.e2e-spec) can only check by construction:
  // an unknown user costs the same argon2 verification (against a decoy hash) as a known user
  // with a wrong password, so response times do not tell whether an account exists. One
  // connection, so the latencies are the requests' own, not time spent queueing.
  failedLogin(
    'login-unknown-user',
    'unknown user',
    () => `nobody-${Math.floor(Math.random() * 1e9)}`,
  ),
  failedLogin('login-wrong-password', 'known user, wrong password', () => BENCH_USER),
];

/**
 * A login that must fail with 401, at one connection.
 * @param {string} key @param {string} who @param {() => string} username @returns {Scenario}
 */
function failedLogin(key, who, username) {
  return {
    key,
    name: `POST /auth/login, ${who} (401)`,
    baseline: false,
    anonymous: true,
    expectedStatus: 401,
    connections: 1,
    targetP99Ms: undefined,
    request: () => ({
      method: 'POST',
      path: '/api/v1/auth/login',
      headers: JSON_HEADERS,
      body: JSON.stringify({ username: username(), password: 'not-the-password' }),
    }),
  };
}

/** The two login scenarios whose latencies the report compares. */
export const LOGIN_TIMING_PAIR = ['login-unknown-user', 'login-wrong-password'];
