import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { LOGIN_TIMING_PAIR, SCENARIOS } from './scenarios.mjs';
import {
  BENCH,
  cleanUp,
  cleanUpOnSignals,
  cleanups,
  ensureDatabase,
  fixed,
  log,
  logIn,
  productCountersOf,
  productEnv,
  mb,
  positiveInteger,
  ROOT,
  runMain,
  cpuSecondsBetween,
  readCpuSeconds,
  sampleRss,
  seedBulk,
  startEmbeddedPostgres,
  startServer,
} from './server.mjs';
import { startStreamingReplica } from './replica.mjs';

const HEAP_CAP = '--max-old-space-size=1024';
const require = createRequire(import.meta.url);
/**
 * `npm run bench [-- options]`: seeds (or reuses) a database per size, starts the production build
 * and the bare baseline on it, and measures every scenario at a fixed concurrency. See
 * bench/README.md.
 */
const SITES = 20;
const USERS = 10;
/** DESIGN.md §9: the largest site (the benchmarked one) holds 35 % of the rows. */
const LARGEST_SITE_PERCENT = 35;
const TARGETS = { rssBytes: 250 * 1024 * 1024, ratio: 0.6 };
/** Other work on the machine skews absolute numbers; the report says how busy it was. */
const startLoad = os.loadavg()[0];

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    rounds: { type: 'string', default: '1' },
    connections: { type: 'string', default: '50' },
    scenarios: { type: 'string' },
    'no-baseline': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    replica: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout
    .write(`usage: npm run bench -- [--rows 10000,100000,1000000] [--duration 10] [--warmup 2]
                          [--connections 50] [--rounds 1] [--scenarios key,key] [--no-baseline] [--cpu-prof] [--replica] [--smoke]
scenarios: ${SCENARIOS.map((scenario) => scenario.key).join(', ')}\n`);
  process.exit(0);
}
const options = {
  rows: (args.rows ?? (args.smoke ? '10000' : '1000000')).split(',').map(positiveInteger),
  duration: positiveInteger(args.duration ?? (args.smoke ? '3' : '10')),
  warmup: Number(args.warmup ?? (args.smoke ? '0' : '2')),
  connections: positiveInteger(args.connections),
  rounds: positiveInteger(args.rounds),
  baseline: !args['no-baseline'],
  cpuProfile: args['cpu-prof'],
  replica: args.replica,
  scenarios: args.scenarios
    ? SCENARIOS.filter((scenario) => args.scenarios.split(',').includes(scenario.key))
    : SCENARIOS,
};

if (options.replica && process.env.DATABASE_URL) {
  process.stderr.write(
    '--replica makes its replica of the embedded PostgreSQL: unset DATABASE_URL\n',
  );
  process.exit(2);
}

cleanUpOnSignals();

/** Set per database: resolves once PostgreSQL has no statement running but its own. */
let waitForIdleDatabase = () => Promise.resolve();

/**
 * Waits (up to 10 s) until no other backend runs a statement (on the primary and, with --replica,
 * on the replica), so that a scenario is not measured while the previous one's work (a cancelled
 * search, autovacuum after the writes) still runs.
 */
async function databaseIdle(clients) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const busy = await Promise.all(
      clients.map(async (client) => {
        const { rows } = await client.query(
          `SELECT count(*)::int AS busy FROM pg_stat_activity
            WHERE state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
        );
        return rows[0].busy;
      }),
    );
    if (busy.every((count) => count === 0)) {
      return;
    }
    await sleep(100);
  }
  log('PostgreSQL still busy after 10 s: measuring anyway');
}

async function benchmarkSize(rows) {
  log(`== ${rows} interactions`);
  const mark = cleanups.length;
  try {
    return await benchmarkDatabase(rows);
  } finally {
    await cleanUp(mark);
  }
}

async function benchmarkDatabase(rows) {
  const database = await openDatabase(rows);
  const dataDir = join(BENCH, `.data-${rows}`);
  mkdirSync(dataDir, { recursive: true });
  const replica = options.replica
    ? await startStreamingReplica(database.primary, join(BENCH, `.data-${rows}-replica`))
    : undefined;
  // The primary's port changes when the replica is made (it is stopped for the copy).
  const databaseUrl = database.primary?.url() ?? database.url;

  const profiling = options.cpuProfile
    ? ['--cpu-prof', '--cpu-prof-dir', join(BENCH, 'results', 'profiles')]
    : [];
  // As the Dockerfile starts it (`npm run start:prod` has the same heap cap).
  const product = await startServer(
    'product',
    [...profiling, HEAP_CAP, join(ROOT, 'dist/src/main.js')],
    {
      ...productEnv(databaseUrl, dataDir),
      ...(replica ? { DATABASE_REPLICA_URLS: replica.url } : {}),
      // Passed on for experiments with the bound of counted totals (docs/performance.md).
      ...(process.env.TOTAL_LIMIT ? { TOTAL_LIMIT: process.env.TOTAL_LIMIT } : {}),
    },
  );
  const session = await logIn(product.url);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  cleanups.push(() => client.end());
  const idleClients = [client];
  if (replica) {
    const replicaClient = new pg.Client({ connectionString: replica.url });
    await replicaClient.connect();
    cleanups.push(() => replicaClient.end());
    idleClients.push(replicaClient);
  }
  const { rows: idRows } = await client.query(
    'SELECT id FROM interactions WHERE site_id = $1 ORDER BY random() LIMIT 5000',
    [session.siteId],
  );
  const { bulkWords } = require('../dist/src/seeds/bulk.seed.js');
  const { rows: siteRows } = await client.query(
    'SELECT count(*)::int AS count FROM interactions WHERE site_id = $1',
    [session.siteId],
  );
  // Page 500 (10,000 rows in) where the site has the rows, else its middle page.
  const deepPage = Math.max(1, Math.min(500, Math.floor(siteRows[0].count / 40)));
  const deep = await globalThis.fetch(`${product.url}/api/v1/interactions?page=${deepPage}`, {
    headers: { authorization: `Bearer ${session.token}` },
  });
  const input = {
    ids: idRows.map((row) => String(row.id)),
    words: bulkWords(),
    deepCursor: (await deep.json()).next_cursor,
  };
  waitForIdleDatabase = () => databaseIdle(idleClients);
  const baseline = options.baseline
    ? await startServer('baseline', [...profiling, join(BENCH, 'baseline/server.mjs')], {
        DATABASE_URL: databaseUrl,
        SITE_ID: String(session.siteId),
      })
    : undefined;

  // Steady state for a reused dataset too: the last run's deletions vacuumed, statistics fresh.
  await client.query('VACUUM (ANALYZE) interactions');
  const { rows: before } = await client.query('SELECT max(id) AS id FROM interactions');
  const results = [];
  for (const scenario of options.scenarios) {
    results.push(await measureRounds(scenario, product, baseline, input, session.token));
  }
  // Stopping drains the requests still in flight; then the dataset goes back to its size for reuse.
  await baseline?.stop();
  await product.stop();
  await client.query('DELETE FROM interactions WHERE id > $1', [before[0].id]);

  return {
    rows,
    siteRows: siteRows[0].count,
    database: database.description,
    replica:
      replica &&
      `a streaming replica in bench/.data-${rows}-replica (the product's site reads; the baseline reads the primary)`,
    seedSeconds: database.seedSeconds,
    productReadySeconds: product.readySeconds,
    productIdleRssBytes: product.idleRssBytes,
    postgres: (await client.query('SHOW server_version')).rows[0].server_version,
    results,
  };
}

/**
 * The database for one size: the embedded PostgreSQL of bench/.data-<rows> (started here), or
 * with DATABASE_URL a database ims_bench_<rows> on that server. Seeded when it does not hold
 * exactly the bulk data of that size.
 */
async function openDatabase(rows) {
  let url;
  let description;
  let reset;
  let primary;
  if (process.env.DATABASE_URL) {
    url = await ensureDatabase(process.env.DATABASE_URL, `ims_bench_${rows}`);
    description = `ims_bench_${rows} on DATABASE_URL's server`;
  } else {
    const dataDir = join(BENCH, `.data-${rows}`);
    let stopEmbedded;
    const start = async () => {
      const embedded = await startEmbeddedPostgres(dataDir, 0, log);
      stopEmbedded = () => embedded.stop();
      cleanups.push(stopEmbedded);
      url = embedded.url;
      return url;
    };
    const stop = async () => {
      cleanups.splice(cleanups.indexOf(stopEmbedded), 1);
      await stopEmbedded();
    };
    await start();
    description = `embedded PostgreSQL in bench/.data-${rows}`;
    reset = async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
      await start();
    };
    // For --replica: stopped and started again around the copy of its data directory.
    primary = { dir: join(dataDir, 'postgres'), stop, start, url: () => url };
  }
  const found = await bulkContent(url);
  const largestShare = found.interactions > 0 ? (found.largest / found.interactions) * 100 : 0;
  if (
    found.interactions === rows &&
    found.sites === SITES &&
    found.users === USERS &&
    Math.abs(largestShare - LARGEST_SITE_PERCENT) < 2
  ) {
    log(`reusing ${description} (${rows} interactions)`);
    return { url, description, seedSeconds: undefined, primary };
  }
  if (found.interactions + found.sites + found.users > 0) {
    if (!reset) {
      throw new Error(
        `ims_bench_${rows} holds other data (${JSON.stringify(found)}); drop it and run again`,
      );
    }
    log(`bench/.data-${rows} holds other data (${JSON.stringify(found)}): seeding it anew`);
    await reset();
  }
  const started = Date.now();
  await seedBulk(
    { interactions: rows, sites: SITES, users: USERS, largestShare: LARGEST_SITE_PERCENT },
    { DATABASE_URL: url },
  );
  return { url, description, seedSeconds: (Date.now() - started) / 1000, primary };
}

async function bulkContent(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT (SELECT count(*) FROM interactions)::int AS interactions,
              (SELECT count(*) FROM sites WHERE name LIKE 'Bulk site %')::int AS sites,
              (SELECT count(*) FROM users WHERE username LIKE 'bulk-user-%')::int AS users,
              (SELECT count(*) FROM interactions i JOIN sites s ON s.id = i.site_id
                WHERE s.name = 'Bulk site 1')::int AS largest`,
    );
    return rows[0];
  } catch (error) {
    if (error.code === '42P01') {
      return { interactions: 0, sites: 0, users: 0, largest: 0 }; // not migrated yet
    }
    throw error;
  } finally {
    await client.end();
  }
}

/**
 * A scenario against the product and (if it has one) the baseline, `--rounds` times, the order of
 * the two swapped every round, so that a burst of other load on the machine hits both alike.
 * Throughput, latency and CPU are the medians of the rounds, the ratio the median of each round's
 * ratio; peak RSS is the highest, statuses and errors are summed.
 */
async function measureRounds(scenario, product, baseline, input, token) {
  const rounds = { product: [], baseline: [], ratios: [] };
  const withBaseline = Boolean(baseline && scenario.baseline);
  for (let round = 0; round < options.rounds; round += 1) {
    const order =
      withBaseline && round % 2 === 1 ? ['baseline', 'product'] : ['product', 'baseline'];
    const measured = {};
    for (const which of order) {
      if (which === 'product') {
        measured.product = await measure(product, scenario, input, token);
      } else if (withBaseline) {
        measured.baseline = await measure(baseline, scenario, input);
      }
    }
    rounds.product.push(measured.product);
    if (measured.baseline) {
      rounds.baseline.push(measured.baseline);
      rounds.ratios.push(measured.product.requestsPerSecond / measured.baseline.requestsPerSecond);
    }
  }
  return {
    scenario,
    oneClient:
      scenario.oneClientP99Ms === undefined
        ? undefined
        : await measureOneClient(product, scenario, input, token),
    product: combineRounds(rounds.product),
    baseline: rounds.baseline.length > 0 ? combineRounds(rounds.baseline) : undefined,
    ratio: rounds.ratios.length > 0 ? median(rounds.ratios) : undefined,
  };
}

function combineRounds(runs) {
  if (runs.length === 1) {
    return runs[0];
  }
  const medianOf = (key) => median(runs.map((run) => run[key]));
  const sumOf = (key) => runs.reduce((sum, run) => sum + run[key], 0);
  return {
    requestsPerSecond: medianOf('requestsPerSecond'),
    requests: sumOf('requests'),
    p50Ms: medianOf('p50Ms'),
    p99Ms: medianOf('p99Ms'),
    maxMs: Math.max(...runs.map((run) => run.maxMs)),
    unexpected: sumOf('unexpected'),
    errors: sumOf('errors'),
    statusCodes: runs.map((run) => run.statusCodes),
    peakRssBytes: Math.max(...runs.map((run) => run.peakRssBytes)),
    serverCpuUs: medianOf('serverCpuUs'),
    postgresCpuUs: medianOf('postgresCpuUs'),
    pageTotals: runs[0].pageTotals && {
      counted: runs.reduce((sum, run) => sum + run.pageTotals.counted, 0),
      reused: runs.reduce((sum, run) => sum + run.pageTotals.reused, 0),
    },
    siteReads: runs[0].siteReads && {
      replica: runs.reduce((sum, run) => sum + run.siteReads.replica, 0),
      primary: runs.reduce((sum, run) => sum + run.siteReads.primary, 0),
    },
    rounds: runs,
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The scenario's service time (DESIGN.md §9 "one client"): one connection, so no request waits
 * for another; p50 and p99 over `--duration` seconds (at most 10) after the database went idle.
 */
async function measureOneClient(server, scenario, input, token) {
  await waitForIdleDatabase();
  const result = await autocannon({
    url: server.url,
    connections: 1,
    duration: Math.min(options.duration, 10),
    requests: requestsOf(scenario, input, token),
  });
  const measured = {
    requests: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    unexpected: unexpectedAnswers(scenario, result),
    errors: result.errors + result.timeouts,
    statusCodes: result.statusCodeStats,
  };
  log(
    `${scenario.key.padEnd(18)} one client ${fixed(measured.p50Ms, 1)} ms p50, ${fixed(measured.p99Ms, 1)} ms p99 over ${measured.requests} requests  unexpected status ${measured.unexpected} ${JSON.stringify(measured.statusCodes)}  errors ${measured.errors}`,
  );
  return measured;
}

/** Runs one scenario against one server: warm-up (not counted), then the measured run. */
function requestsOf(scenario, input, token) {
  return [
    {
      setupRequest: (request) => {
        const next = scenario.request(input);
        return {
          ...request,
          method: next.method,
          path: next.path,
          body: next.body,
          headers: {
            ...next.headers,
            ...(token && !scenario.anonymous ? { authorization: `Bearer ${token}` } : {}),
          },
        };
      },
    },
  ];
}

async function measure(server, scenario, input, token) {
  const requests = requestsOf(scenario, input, token);
  const load = (seconds) =>
    autocannon({
      url: server.url,
      connections: scenario.connections ?? options.connections,
      duration: seconds,
      requests,
    });
  await waitForIdleDatabase();
  if (options.warmup > 0) {
    await load(options.warmup);
  }
  const countersBefore =
    server.name === 'product' ? await productCountersOf(server.url) : undefined;
  const sampler = sampleRss(server.pid);
  const cpuBefore = readCpuSeconds(server.pid);
  const result = await load(options.duration);
  const cpu = cpuSecondsBetween(cpuBefore, readCpuSeconds(server.pid));
  const peakRssBytes = sampler.stop();
  const countersAfter = countersBefore && (await productCountersOf(server.url));
  const change = (group, key) => countersAfter[group][key] - countersBefore[group][key];
  const perRequest = (seconds) => (seconds * 1e6) / Math.max(result.requests.total, 1);
  const measured = {
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    unexpected: unexpectedAnswers(scenario, result),
    errors: result.errors + result.timeouts,
    statusCodes: result.statusCodeStats,
    peakRssBytes,
    serverCpuUs: perRequest(cpu.server),
    postgresCpuUs: perRequest(cpu.postgres),
    pageTotals: countersBefore && {
      counted: change('pageTotals', 'counted'),
      reused: change('pageTotals', 'reused'),
    },
    // Site reads and searches answered by the replica and by the primary (db_site_reads_total).
    siteReads: countersBefore && {
      replica: change('siteReads', 'replica'),
      primary: change('siteReads', 'primary'),
    },
  };
  log(
    `${scenario.key.padEnd(18)} ${server.name.padEnd(8)} ${fixed(measured.requestsPerSecond, 0).padStart(6)} req/s  p50 ${fixed(measured.p50Ms, 1)} ms  p99 ${fixed(measured.p99Ms, 1)} ms  unexpected status ${measured.unexpected}  errors ${measured.errors}  peak RSS ${mb(peakRssBytes)} MB  CPU/request ${cpuPerRequest(measured)}${reuseNote(measured)}${replicaNote(measured)}`,
  );
  return measured;
}

/** The share of counted totals the product reused in a run, for runs that had any. */
function reusedShare(measured) {
  const all = (measured.pageTotals?.counted ?? 0) + (measured.pageTotals?.reused ?? 0);
  return all === 0 ? undefined : measured.pageTotals.reused / all;
}

function reuseNote(measured) {
  const share = reusedShare(measured);
  return share === undefined ? '' : `  totals reused ${fixed(share * 100, 1)} %`;
}

/** The share of site reads the replica answered in a run (--replica), for runs that had any. */
function replicaShare(measured) {
  const all = (measured.siteReads?.replica ?? 0) + (measured.siteReads?.primary ?? 0);
  return all === 0 ? undefined : measured.siteReads.replica / all;
}

function replicaNote(measured) {
  if (!options.replica || !measured.siteReads) {
    return '';
  }
  const share = replicaShare(measured);
  return share === undefined ? '  no site reads' : `  replica ${fixed(share * 100, 1)} %`;
}

/** The replica's share of a scenario's site reads for the table: `—` without any. */
function replicaCell(measured) {
  const share = replicaShare(measured);
  return share === undefined ? '—' : `${fixed(share * 100, 1)} %`;
}

/** CPU time per answered request: the server process's, then all PostgreSQL processes'. */
function cpuPerRequest(measured) {
  return `${fixed(measured.serverCpuUs, 0)} + ${fixed(measured.postgresCpuUs, 0)}`;
}

async function writeReport(runs) {
  const date = new Date().toISOString();
  const cpus = os.cpus();
  const machine = `${cpus.length} × ${cpus[0]?.model.trim() ?? 'CPU'}, ${mb(os.totalmem())} MB RAM, Node ${process.version}, PostgreSQL ${runs[0]?.postgres}`;
  const lines = [
    `Benchmark of ${date.slice(0, 16).replace('T', ' ')} UTC — ${machine}.`,
    `${options.connections} connections${options.replica ? ', the product reading from one streaming replica (DATABASE_REPLICA_URLS; served by the replica: its share of db_site_reads_total over the measured seconds)' : ''}, ${options.rounds > 1 ? `${options.rounds} rounds (product and baseline alternating; medians) of ` : ''}${options.duration} s per scenario after ${options.warmup} s of warm-up. Load average (1 min) at start ${startLoad.toFixed(1)}, at end ${os.loadavg()[0].toFixed(1)}.`,
    '',
  ];
  for (const run of runs) {
    lines.push(
      `#### ${run.rows.toLocaleString('en-US')} interactions (${SITES} sites, ${run.siteRows.toLocaleString('en-US')} in the benchmarked site, the largest)`,
      '',
      `Database: ${run.database}${run.seedSeconds === undefined ? ' (reused)' : `, seeded in ${run.seedSeconds.toFixed(1)} s`}${run.replica ? `, with ${run.replica}` : ''}. Product start to ready: ${run.productReadySeconds.toFixed(2)} s; idle RSS ${mb(run.productIdleRssBytes)} MB.`,
      '',
      `| scenario | one client p50 / p99 ms | one-client p99 target ms | req/s at ${options.connections} |${options.replica ? ' served by the replica |' : ''} p50 ms | p99 ms | unexpected status | peak RSS MB | CPU µs/request: server + PostgreSQL | baseline req/s | baseline p99 ms | baseline CPU µs/request | product / baseline | targets |`,
      `| --- | --: | --: | --: |${options.replica ? ' --: |' : ''} --: | --: | --: | --: | --: | --: | --: | --: | --: | --- |`,
    );
    for (const { scenario, product, baseline, ratio, oneClient } of run.results) {
      lines.push(
        `| ${scenario.name} | ${oneClient ? `${fixed(oneClient.p50Ms, 1)} / ${fixed(oneClient.p99Ms, 1)}` : '—'} | ${scenario.oneClientP99Ms ?? '—'} | ${fixed(product.requestsPerSecond, 0)} |${options.replica ? ` ${replicaCell(product)} |` : ''} ${fixed(product.p50Ms, 1)} | ${fixed(product.p99Ms, 1)} | ${product.unexpected + product.errors} | ${mb(product.peakRssBytes)} | ${cpuPerRequest(product)} | ${baseline ? fixed(baseline.requestsPerSecond, 0) : '—'} | ${baseline ? fixed(baseline.p99Ms, 1) : '—'} | ${baseline ? cpuPerRequest(baseline) : '—'} | ${ratio === undefined ? '—' : `${Math.floor(ratio * 100)} %`} | ${verdict(scenario, product, ratio, oneClient)} |`,
      );
    }
    const reused = run.results
      .filter(({ product }) => reusedShare(product) !== undefined)
      .map(({ scenario, product }) => `${scenario.name} ${fixed(reusedShare(product) * 100, 1)} %`);
    if (reused.length > 0) {
      lines.push(
        '',
        `Totals the product reused rather than counted (page_totals_total over the measured seconds): ${reused.join(', ')}.`,
      );
    }
    lines.push(...loginTimingLines(run), '');
  }
  if (runs.length > 1) {
    lines.push(
      '#### p99 latency (ms) by size',
      '',
      `| scenario | ${runs.map((run) => run.rows.toLocaleString('en-US')).join(' | ')} |`,
      `| --- | ${runs.map(() => '--:').join(' | ')} |`,
      ...options.scenarios.map(
        (scenario) =>
          `| ${scenario.name} | ${runs.map((run) => fixed(run.results.find((result) => result.scenario === scenario).product.p99Ms, 1)).join(' | ')} |`,
      ),
      '',
    );
  }
  const markdown = `${lines.join('\n')}\n`;
  const resultsDir = join(BENCH, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const stem = join(resultsDir, `bench-${date.replace(/[:.]/g, '-')}`);
  writeFileSync(`${stem}.md`, markdown);
  writeFileSync(
    `${stem}.json`,
    `${JSON.stringify(
      {
        date,
        machine,
        options: { ...options, scenarios: options.scenarios.map((scenario) => scenario.key) },
        runs: runs.map((run) => ({
          ...run,
          results: run.results.map(({ scenario, product, baseline, ratio, oneClient }) => ({
            scenario: scenario.key,
            name: scenario.name,
            oneClient,
            product,
            baseline,
            ratio,
          })),
        })),
      },
      null,
      2,
    )}\n`,
  );
  log(`results: ${stem}.md and .json`);
  return { markdown };
}

/** Answers other than the scenario's expected status (any 2xx unless it names one). */
function unexpectedAnswers(scenario, result) {
  if (scenario.expectedStatus === undefined) {
    return result.non2xx;
  }
  return Object.entries(result.statusCodeStats ?? {})
    .filter(([status]) => Number(status) !== scenario.expectedStatus)
    .reduce((sum, [, stats]) => sum + stats.count, 0);
}

/** How far apart the two login paths are: the account-enumeration timing check. */
function loginTimingLines(run) {
  const [unknown, known] = LOGIN_TIMING_PAIR.map(
    (key) => run.results.find((result) => result.scenario.key === key)?.product,
  );
  if (!unknown || !known) {
    return [];
  }
  const difference = (a, b) => `${fixed(a - b, 1)} ms (${fixed(((a - b) / b) * 100, 1)} %)`;
  return [
    '',
    `Login timing (account enumeration): unknown user p50 ${fixed(unknown.p50Ms, 1)} ms, known user with a wrong password p50 ${fixed(known.p50Ms, 1)} ms: difference ${difference(unknown.p50Ms, known.p50Ms)}; p99 ${fixed(unknown.p99Ms, 1)} vs ${fixed(known.p99Ms, 1)} ms.`,
  ];
}

/** DESIGN.md §9 at this size: the misses, or ✓. */
function verdict(scenario, product, ratio, oneClient) {
  const misses = [];
  if (product.unexpected + product.errors > 0) {
    misses.push('unexpected status');
  }
  if (oneClient && oneClient.p99Ms > scenario.oneClientP99Ms) {
    misses.push(`one-client p99 > ${scenario.oneClientP99Ms} ms`);
  }
  if (ratio !== undefined && ratio < TARGETS.ratio) {
    misses.push(`< ${TARGETS.ratio * 100} % of baseline`);
  }
  if (product.peakRssBytes >= TARGETS.rssBytes) {
    misses.push(`RSS ≥ ${mb(TARGETS.rssBytes)} MB`);
  }
  return misses.length === 0 ? '✓' : `✗ ${misses.join(', ')}`;
}

await runMain(async () => {
  const runs = [];
  for (const rows of options.rows) {
    runs.push(await benchmarkSize(rows));
  }
  const report = await writeReport(runs);
  process.stdout.write(report.markdown);
  const failures = runs.flatMap((run) =>
    run.results
      .flatMap((result) => [result.product, result.baseline, result.oneClient])
      .filter((measured) => measured && measured.unexpected + measured.errors > 0),
  );
  if (failures.length > 0) {
    process.stderr.write(`\n${failures.length} measurement(s) had unexpected statuses or errors\n`);
    process.exitCode = 1;
  }
});
