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
 * @param {string[]} words @param {number} [longest] @returns {string}
 */
function variedTerm(words, longest = 6) {
  const word = any(words);
  const length = 3 + Math.floor(Math.random() * (Math.min(longest, word.length) - 2));
  const start = Math.floor(Math.random() * (word.length - length + 1));
  return [...word.slice(start, start + length)]
    .map((letter) => (Math.random() < 0.5 ? letter.toUpperCase() : letter))
    .join('');
}

/** 3 to 8 random letters: almost never in the data, so the search looks at every candidate. */
function rareTerm() {
  const length = 3 + Math.floor(Math.random() * 6);
  return Array.from({ length }, () =>
    String.fromCharCode(97 + Math.floor(Math.random() * 26)),
  ).join('');
}

/**
 * A term not searched before, as DESIGN.md §9 describes it: half of them 3 to 8 letters of the
 * bulk data's words (common), half random letters (rare).
 * @param {string[]} words @returns {string}
 */
export function newTerm(words) {
  return Math.random() < 0.5 ? variedTerm(words, 8) : rareTerm();
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
 * @typedef {{ ids: string[], words: string[], deepCursor: string }} ScenarioInput  ids:
 *   interaction ids of the benchmarked site; words: the bulk data's words (bulkWords());
 *   deepCursor: the next_cursor of GET /interactions?page=500 (or of the site's middle page)
 * @typedef {{ method: string, path: string, body?: string, headers?: Record<string, string> }} BenchRequest
 * @typedef {{ key: string, name: string, baseline: boolean, write?: boolean,
 *   expectedStatus?: number, anonymous?: boolean, connections?: number,
 *   oneClientP99Ms: number | undefined, request: (input: ScenarioInput) => BenchRequest }} Scenario
 */

/** @type {Scenario[]} */
export const SCENARIOS = [
  {
    key: 'list-page-1',
    name: 'GET /interactions page 1',
    baseline: true,
    oneClientP99Ms: 5,
    request: () => ({ method: 'GET', path: '/api/v1/interactions?page=1' }),
  },
  {
    key: 'list-page-500',
    name: 'GET /interactions page 500',
    baseline: true,
    oneClientP99Ms: undefined,
    request: () => ({ method: 'GET', path: '/api/v1/interactions?page=500' }),
  },
  {
    // The same depth as page 500 (10,000 rows in), read after a cursor: a keyset read, whose cost
    // does not grow with depth. The cursor is taken once from page 500's next_cursor.
    key: 'list-cursor-deep',
    name: 'GET /interactions?cursor= (page 500 deep)',
    baseline: false,
    oneClientP99Ms: 5,
    request: ({ deepCursor }) => ({
      method: 'GET',
      path: `/api/v1/interactions?cursor=${encodeURIComponent(deepCursor)}`,
    }),
  },
  {
    key: 'get-by-id',
    name: 'GET /interactions/{id}',
    baseline: true,
    oneClientP99Ms: 3,
    request: ({ ids }) => ({ method: 'GET', path: `/api/v1/interactions/${any(ids)}` }),
  },
  {
    key: 'list-search',
    name: 'GET /interactions?search=',
    baseline: true,
    oneClientP99Ms: 50,
    request: () => ({ method: 'GET', path: `/api/v1/interactions?search=${any(SEARCH_TERMS)}` }),
  },
  {
    // The terms above repeat, so the product reuses their totals (PageTotals) after the first
    // request of each; these hardly ever repeat, so nearly every request counts its total.
    key: 'list-search-varied',
    name: 'GET /interactions?search= (varied terms)',
    baseline: true,
    oneClientP99Ms: 50,
    request: ({ words }) => ({
      method: 'GET',
      path: `/api/v1/interactions?search=${variedTerm(words)}`,
    }),
  },
  {
    // DESIGN.md §9's one-client target: a term not searched before, common or rare, 3-8 letters.
    key: 'search-new-terms',
    name: 'GET /search/interactions (new terms, common and rare)',
    baseline: false,
    oneClientP99Ms: 50,
    request: ({ words }) => ({
      method: 'GET',
      path: `/api/v1/search/interactions?query=${newTerm(words)}`,
    }),
  },
  {
    key: 'search-advanced',
    name: 'POST /search/advanced',
    baseline: true,
    oneClientP99Ms: 50,
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
    oneClientP99Ms: 10,
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
    oneClientP99Ms: 10,
    request: () => ({ method: 'GET', path: '/api/v1/search/upcoming' }),
  },
  {
    key: 'create',
    name: 'POST /interactions',
    baseline: false,
    write: true,
    oneClientP99Ms: undefined,
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
    oneClientP99Ms: undefined,
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
