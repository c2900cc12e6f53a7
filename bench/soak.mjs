import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { SCENARIOS } from './scenarios.mjs';
import * as harness from './server.mjs';

/**
 * `npm run soak [-- options]`: mixed read/write load on the production build for a bounded time,
 * then proof that nothing broke: no 5xx, every acknowledged write in the database and nothing
 * else, RSS back near where it started. See docs/reliability.md.
 */
harness.setLogPrefix('soak');
const SITES = 2;
const USERS = 10;
const PAGE_SIZE = 20;
const RSS_GROWTH_LIMIT = 1.2;
/** Rows every PATCH goes to, few enough that concurrent PATCHes meet on one version. */
const HOT_ROWS = 20;
/** How long the end of a phase waits for the writes in flight to be answered. */
const DRAIN_LIMIT_MS = 15_000;
const JSON_HEADERS = { 'content-type': 'application/json' };
/**
 * Preloaded into the server (the production build, unchanged): on SIGUSR2 full GCs, then the
 * memory usage on stderr. RSS read without it is mostly how far the heap grew under load, which
 * V8 keeps long after the load ends; after a full GC it is the memory the process still holds.
 */
const GC_ON_SIGNAL = [
  'let n = 0;',
  "process.on('SIGUSR2', () => {",
  '  globalThis.gc();',
  '  globalThis.gc();',
  '  const usage = JSON.stringify({ n: ++n, ...process.memoryUsage() });',
  '  process.stderr.write(`soak-memory ${usage}\\n`);',
  '});',
].join('\n');

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    connections: { type: 'string', default: '100' },
    warmup: { type: 'string', default: '5' },
    settle: { type: 'string', default: '5' },
    rows: { type: 'string', default: '20000' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(
    'usage: npm run soak -- [--duration 60] [--connections 100] [--warmup 5] [--settle 5] [--rows 20000]\n',
  );
  process.exit(0);
}
const options = {
  duration: harness.positiveInteger(args.duration),
  connections: harness.positiveInteger(args.connections),
  warmup: harness.positiveInteger(args.warmup),
  settle: Number(args.settle),
  rows: harness.positiveInteger(args.rows),
};

const runId = Date.now().toString(36);
const startLoad = os.loadavg()[0];
const scenario = (key) => SCENARIOS.find((candidate) => candidate.key === key);

/**
 * The operations of the mix and their weights (per cent). put and delete take a record this run
 * created and nobody else touches at that moment, so they must never meet a 412; patch goes to
 * the hot rows with the ETag last seen, so concurrent patches do, and 412 is its expected loser.
 */
const OPERATIONS = [
  { op: 'list', name: 'GET /interactions?page=N', weight: 20, expected: [200] },
  { op: 'get', name: 'GET /interactions/{id}', weight: 20, expected: [200] },
  { op: 'search', name: 'GET /interactions?search=', weight: 10, expected: [200] },
  { op: 'advanced', name: 'POST /search/advanced', weight: 10, expected: [200] },
  { op: 'upcoming', name: 'GET /search/upcoming', weight: 10, expected: [200] },
  { op: 'create', name: 'POST /interactions', weight: 15, expected: [201] },
  { op: 'patch', name: 'PATCH /interactions/{hot id}', weight: 7, expected: [200], conflict: 412 },
  { op: 'learn', name: 'GET /interactions/{hot id} after a 412', weight: 0, expected: [200] },
  { op: 'put', name: 'PUT /interactions/{created id}', weight: 4, expected: [200] },
  { op: 'delete', name: 'DELETE /interactions/{created id}', weight: 4, expected: [200] },
];
const TOTAL_WEIGHT = OPERATIONS.reduce((sum, operation) => sum + operation.weight, 0);

harness.cleanUpOnSignals();

/**
 * What the clients send and what came back. Each autocannon connection has one request in flight;
 * its `context` carries the request from setupRequest to onResponse.
 */
function createWorkload({ ids, hotRows, siteRows }) {
  const counts = new Map(OPERATIONS.map((operation) => [operation.op, new Map()]));
  /** id → { title, etag, notes, deleted } of every create answered 201 */
  const created = new Map();
  /** created ids no request is working on now */
  const idle = [];
  /** hot id → { etag, initialVersion, done: [{ version, notes }] } */
  const hot = new Map(
    hotRows.map((row) => [
      String(row.id),
      { etag: undefined, initialVersion: row.version, done: [] },
    ]),
  );
  const hotIds = [...hot.keys()];
  const pendingWrites = new Set();
  const sequence = { create: 0, patch: 0, put: 0 };
  let draining = false;

  const takeIdle = () => {
    if (idle.length === 0) {
      return undefined;
    }
    const index = Math.floor(Math.random() * idle.length);
    [idle[index], idle[idle.length - 1]] = [idle[idle.length - 1], idle[index]];
    return idle.pop();
  };
  const createBody = (title, notes) =>
    JSON.stringify({
      ...JSON.parse(scenario('create').request().body),
      title,
      description: 'Created by npm run soak',
      notes,
    });

  const build = (op) => {
    switch (op) {
      case 'list':
        return {
          method: 'GET',
          path: `/api/v1/interactions?page=${1 + Math.floor((Math.random() * siteRows) / PAGE_SIZE)}`,
        };
      case 'get':
        return scenario('get-by-id').request({ ids });
      case 'search':
        return scenario('list-search').request();
      case 'advanced':
        return scenario('search-advanced').request();
      case 'upcoming':
        return scenario('search-upcoming').request();
      case 'create': {
        const title = `soak-${runId}-${(sequence.create += 1)}`;
        return {
          method: 'POST',
          path: '/api/v1/interactions',
          headers: JSON_HEADERS,
          body: createBody(title, ''),
          title,
        };
      }
      case 'patch': {
        const id = hotIds[Math.floor(Math.random() * hotIds.length)];
        const { etag } = hot.get(id);
        if (etag === undefined) {
          return { op: 'learn', method: 'GET', path: `/api/v1/interactions/${id}`, id };
        }
        const notes = `soak-${runId} patch ${(sequence.patch += 1)}`;
        return {
          method: 'PATCH',
          path: `/api/v1/interactions/${id}`,
          headers: { ...JSON_HEADERS, 'if-match': etag },
          body: JSON.stringify({ notes }),
          id,
          notes,
          ifMatch: etag,
        };
      }
      case 'put':
      case 'delete': {
        const id = takeIdle();
        if (id === undefined) {
          return { op: 'create', ...build('create') };
        }
        const record = created.get(id);
        if (op === 'delete') {
          return {
            method: 'DELETE',
            path: `/api/v1/interactions/${id}`,
            headers: { 'if-match': record.etag },
            id,
          };
        }
        const notes = `soak-${runId} put ${(sequence.put += 1)}`;
        return {
          method: 'PUT',
          path: `/api/v1/interactions/${id}`,
          headers: { ...JSON_HEADERS, 'if-match': record.etag },
          body: createBody(record.title, notes),
          id,
          notes,
        };
      }
      default:
        throw new Error(`unknown operation ${op}`);
    }
  };

  const pick = () => {
    if (draining) {
      return 'get';
    }
    let roll = Math.random() * TOTAL_WEIGHT;
    return OPERATIONS.find((operation) => (roll -= operation.weight) < 0).op;
  };

  const record = (sent, status, body, etag) => {
    const byStatus = counts.get(sent.op);
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    switch (sent.op) {
      case 'create':
        if (status === 201) {
          const id = String(JSON.parse(body).interaction.id);
          created.set(id, { title: sent.title, etag, notes: '', deleted: false });
          idle.push(id);
        }
        break;
      case 'put':
        if (status === 200) {
          Object.assign(created.get(sent.id), { etag, notes: sent.notes });
        }
        idle.push(sent.id);
        break;
      case 'delete':
        if (status === 200) {
          created.get(sent.id).deleted = true;
        } else {
          idle.push(sent.id);
        }
        break;
      case 'patch':
      case 'learn': {
        const row = hot.get(sent.id);
        if (status === 200) {
          if (sent.op === 'patch') {
            row.done.push({ version: versionOf(etag), notes: sent.notes });
          }
          if (row.etag === undefined || versionOf(etag) > versionOf(row.etag)) {
            row.etag = etag;
          }
        } else if (status === 412 && row.etag === sent.ifMatch) {
          row.etag = undefined; // someone else won: read the current ETag before the next try
        }
        break;
      }
      default:
        break;
    }
  };

  return {
    counts,
    created,
    hot,
    pendingWrites,
    setDraining: (value) => (draining = value),
    requests: (token) => [
      {
        setupRequest: (request, context) => {
          const op = pick();
          const next = { op, ...build(op) };
          next.write = next.method !== 'GET';
          if (next.write) {
            pendingWrites.add(next);
          }
          context.sent = next;
          return {
            ...request,
            method: next.method,
            path: next.path,
            body: next.body,
            headers: { ...next.headers, authorization: `Bearer ${token}` },
          };
        },
        onResponse: (status, body, context, headers) => {
          const { sent } = context;
          pendingWrites.delete(sent);
          record(sent, status, body, headerValue(headers, 'etag'));
        },
      },
    ],
  };
}

function versionOf(etag) {
  return Number(/\.(\d+)"$/.exec(etag ?? '')?.[1] ?? -1);
}

function headerValue(headers, name) {
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : String(headers[key]);
}

/**
 * One phase of load. At its end new requests are reads only until every write in flight has been
 * answered, so autocannon's stop cuts no write whose outcome the check then could not know.
 */
async function load(server, workload, token, seconds) {
  workload.setDraining(false);
  const instance = autocannon({
    url: server.url,
    connections: options.connections,
    duration: seconds + DRAIN_LIMIT_MS / 1000 + 5,
    requests: workload.requests(token),
  });
  const finished = new Promise((resolve, reject) => instance.then(resolve, reject));
  finished.catch(() => undefined);
  await Promise.race([sleep(seconds * 1000), finished]);
  workload.setDraining(true);
  const deadline = Date.now() + DRAIN_LIMIT_MS;
  while (workload.pendingWrites.size > 0 && Date.now() < deadline) {
    await sleep(20);
  }
  instance.stop();
  return finished;
}

let memoryReports = 0;

/** RSS and heap in use after a full GC of the server (see GC_ON_SIGNAL). */
async function liveMemory(server) {
  memoryReports += 1;
  process.kill(server.pid, 'SIGUSR2');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const usage = [...server.output().matchAll(/soak-memory (\{.*\})/g)]
      .map((match) => JSON.parse(match[1]))
      .find((report) => report.n === memoryReports);
    if (usage) {
      // The pages a GC frees leave the resident set over the next few hundred milliseconds.
      await sleep(1_000);
      return { rss: harness.readRss(server.pid), heapUsed: usage.heapUsed };
    }
    await sleep(50);
  }
  throw new Error('the server did not report its memory after SIGUSR2');
}

/** Compares every acknowledged write with the database. */
async function verify(client, workload) {
  const { rows } = await client.query(
    `SELECT id::text AS id, title, notes FROM interactions WHERE title LIKE $1`,
    [`soak-${runId}-%`],
  );
  const stored = new Map(rows.map((row) => [row.id, row]));
  const unanswered = [...workload.pendingWrites];
  const unansweredTitles = new Set(unanswered.map((sent) => sent.title));
  const unansweredIds = new Set(unanswered.map((sent) => sent.id));
  const result = {
    creates201: workload.created.size,
    deletes200: 0,
    expectedRows: 0,
    storedRows: rows.length,
    verified: 0,
    lost: [],
    unacknowledged: [],
    inFlightCommitted: 0,
    notDeleted: [],
    puts200: 0,
    putsVerified: 0,
    lostUpdates: [],
    patches200: 0,
    patchesVerified: 0,
    unansweredWrites: unanswered.length,
  };
  for (const [id, record] of workload.created) {
    const row = stored.get(id);
    if (record.deleted) {
      result.deletes200 += 1;
      if (row) {
        result.notDeleted.push(id);
      }
      continue;
    }
    result.expectedRows += 1;
    if (!row || row.title !== record.title) {
      result.lost.push(id);
      continue;
    }
    result.verified += 1;
    if (record.notes !== '') {
      result.puts200 += 1;
      if (row.notes === record.notes) {
        result.putsVerified += 1;
      } else if (!unansweredIds.has(id)) {
        result.lostUpdates.push(
          `PUT ${id}: stored notes "${row.notes}", 200 for "${record.notes}"`,
        );
      }
    }
  }
  for (const row of rows) {
    if (!workload.created.has(row.id)) {
      if (unansweredTitles.has(row.title)) {
        result.inFlightCommitted += 1; // committed, but the answer was never received
      } else {
        result.unacknowledged.push(`${row.id} ${row.title}`);
      }
    }
  }

  const hotIds = [...workload.hot.keys()];
  const { rows: hotRows } = await client.query(
    'SELECT id::text AS id, version, notes FROM interactions WHERE id = ANY($1::bigint[])',
    [hotIds],
  );
  for (const row of hotRows) {
    const { initialVersion, done } = workload.hot.get(row.id);
    result.patches200 += done.length;
    const versions = new Set(done.map((patch) => patch.version));
    const latest = done.find((patch) => patch.version === row.version);
    // Each 200 made its own version: one version answered twice is an overwritten PATCH.
    const consistent =
      versions.size === done.length &&
      row.version - initialVersion === done.length &&
      (done.length === 0 || latest?.notes === row.notes);
    if (consistent) {
      result.patchesVerified += done.length;
    } else if (!unansweredIds.has(row.id)) {
      result.lostUpdates.push(
        `PATCH ${row.id}: version ${initialVersion} → ${row.version}, ${done.length} answered 200 (${versions.size} distinct versions), stored notes "${row.notes}"`,
      );
    }
  }
  return result;
}

function statusTable(workload) {
  const lines = ['| operation | weight | responses | statuses |', '| --- | --: | --: | --- |'];
  for (const operation of OPERATIONS) {
    const byStatus = workload.counts.get(operation.op);
    const total = [...byStatus.values()].reduce((sum, count) => sum + count, 0);
    const statuses = [...byStatus]
      .sort(([a], [b]) => a - b)
      .map(([status, count]) => `${status}: ${count.toLocaleString('en-US')}`)
      .join(', ');
    lines.push(
      `| ${operation.name} | ${operation.weight ? `${operation.weight} %` : '—'} | ${total.toLocaleString('en-US')} | ${statuses || '—'} |`,
    );
  }
  return lines;
}

/** 5xx, expected 412s and unexpected other answers over every phase, per operation. */
function classify(workload) {
  const summary = { serverErrors: 0, conflicts: 0, unexpected: 0 };
  for (const operation of OPERATIONS) {
    for (const [status, count] of workload.counts.get(operation.op)) {
      if (status >= 500) {
        summary.serverErrors += count;
      } else if (status === operation.conflict) {
        summary.conflicts += count;
      } else if (!operation.expected.includes(status)) {
        summary.unexpected += count;
      }
    }
  }
  return summary;
}

async function openDatabase(dataDir) {
  if (!process.env.DATABASE_URL) {
    return {
      env: { DATA_DIR: dataDir },
      description: 'embedded PostgreSQL started by the app in a fresh temporary DATA_DIR',
    };
  }
  const name = `ims_soak_${runId}`;
  const url = await harness.ensureDatabase(process.env.DATABASE_URL, name);
  harness.cleanups.push(async () => {
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => admin.end());
  });
  return {
    env: { DATA_DIR: dataDir, DATABASE_URL: url },
    url,
    description: `fresh database ${name} on DATABASE_URL's server (dropped after)`,
  };
}

async function soak() {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'ims-soak-'));
  harness.cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const database = await openDatabase(dataDir);

  const seedStarted = Date.now();
  await harness.seedBulk({ interactions: options.rows, sites: SITES, users: USERS }, database.env);
  const seedSeconds = (Date.now() - seedStarted) / 1000;

  const server = await harness.startServer(
    'product',
    [
      '--expose-gc',
      '--import',
      `data:text/javascript,${encodeURIComponent(GC_ON_SIGNAL)}`,
      join(harness.ROOT, 'dist/src/main.js'),
    ],
    {
      ...database.env,
      HOST: '127.0.0.1',
      // Errors only: the expected 412s are logged as warnings and would push errors out of the tail.
      LOG_LEVEL: 'error',
      SEED_DEMO: 'false',
      ACCESS_TOKEN_TTL: '12h',
      ...harness.RATE_LIMITS,
    },
  );
  // Without DATABASE_URL this finds the server the app started on DATA_DIR; it does not start one.
  const url = database.url ?? (await harness.startEmbeddedPostgres(dataDir, 0, harness.log)).url;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const endClient = () => client.end();
  harness.cleanups.push(endClient);

  const session = await harness.logIn(server.url);
  const { rows: idRows } = await client.query(
    'SELECT id::text AS id, version FROM interactions WHERE site_id = $1 ORDER BY random() LIMIT 5000',
    [session.siteId],
  );
  const workload = createWorkload({
    ids: idRows.map((row) => row.id),
    hotRows: idRows.slice(0, HOT_ROWS),
    siteRows: options.rows / SITES,
  });

  harness.log(`warm-up: ${options.warmup} s at ${options.connections} connections`);
  const warmup = await load(server, workload, session.token, options.warmup);
  const rssBefore = harness.readRss(server.pid);
  const liveBefore = await liveMemory(server);
  harness.log(`load: ${options.duration} s at ${options.connections} connections (run ${runId})`);
  const sampler = harness.sampleRss(server.pid);
  const measured = await load(server, workload, session.token, options.duration);
  const rssPeak = sampler.stop();
  await sleep(options.settle * 1000);
  const rssAfter = harness.readRss(server.pid);
  const liveAfter = await liveMemory(server);

  const verified = await verify(client, workload);
  const postgres = (await client.query('SHOW server_version')).rows[0].server_version;
  await client.end();
  harness.cleanups.splice(harness.cleanups.indexOf(endClient), 1);
  const exit = await server.stop();

  return {
    database: database.description,
    postgres,
    seedSeconds,
    readySeconds: server.readySeconds,
    rss: { idle: server.idleRssBytes, before: rssBefore, peak: rssPeak, after: rssAfter },
    live: { before: liveBefore, after: liveAfter },
    warmup,
    measured,
    verified,
    workload,
    exit,
    serverOutput: server.output(),
  };
}

function report(outcome) {
  const { measured, warmup, verified, rss, live, workload } = outcome;
  const classes = classify(workload);
  const growth = live.after.rss / live.before.rss;
  const socketErrors = measured.errors + warmup.errors;
  const timeouts = measured.timeouts + warmup.timeouts;
  const failures = [
    classes.serverErrors > 0 && `${classes.serverErrors} responses 5xx`,
    classes.unexpected > 0 &&
      `${classes.unexpected} unexpected non-2xx responses (not 412 on PATCH)`,
    socketErrors + timeouts > 0 && `${socketErrors} socket errors, ${timeouts} timeouts`,
    verified.lost.length > 0 && `${verified.lost.length} lost creates: ${some(verified.lost)}`,
    verified.unacknowledged.length > 0 &&
      `${verified.unacknowledged.length} rows without a 201: ${some(verified.unacknowledged)}`,
    verified.notDeleted.length > 0 &&
      `${verified.notDeleted.length} rows still there after DELETE 200: ${some(verified.notDeleted)}`,
    verified.lostUpdates.length > 0 &&
      `${verified.lostUpdates.length} lost updates: ${some(verified.lostUpdates, '; ')}`,
    verified.unansweredWrites > 0 && `${verified.unansweredWrites} writes never answered`,
    growth > RSS_GROWTH_LIMIT &&
      `RSS after a full GC grew ${harness.fixed((growth - 1) * 100, 1)} % (limit ${harness.fixed((RSS_GROWTH_LIMIT - 1) * 100, 0)} %)`,
    outcome.exit.code !== 0 &&
      `server exited with ${outcome.exit.code ?? outcome.exit.signal} on SIGTERM, not 0`,
  ].filter(Boolean);

  const cpus = os.cpus();
  const date = new Date().toISOString();
  const count = (value) => value.toLocaleString('en-US');
  const lines = [
    `Soak of ${date.slice(0, 16).replace('T', ' ')} UTC — ${cpus.length} × ${cpus[0]?.model.trim() ?? 'CPU'}, ${harness.mb(os.totalmem())} MB RAM, Node ${process.version}, PostgreSQL ${outcome.postgres}.`,
    `${options.connections} connections, ${options.duration} s of load after ${options.warmup} s of warm-up (same mix). Load average (1 min) at start ${startLoad.toFixed(1)}, at end ${os.loadavg()[0].toFixed(1)}.`,
    `Database: ${outcome.database}, seeded with ${count(options.rows)} interactions (${count(options.rows / SITES)} in the soak site) in ${outcome.seedSeconds.toFixed(1)} s. Server start to ready ${outcome.readySeconds.toFixed(2)} s. Run marker \`soak-${runId}-\`.`,
    '',
    '| measure | value |',
    '| --- | --: |',
    `| requests (load phase, ${harness.fixed(measured.duration, 1)} s incl. drain) | ${count(measured.requests.total)} |`,
    `| req/s (average) | ${harness.fixed(measured.requests.average, 0)} |`,
    `| latency p50 / p99 / max (ms) | ${measured.latency.p50} / ${measured.latency.p99} / ${measured.latency.max} |`,
    `| 2xx / 3xx / 4xx / 5xx (load phase) | ${count(measured['2xx'])} / ${count(measured['3xx'])} / ${count(measured['4xx'])} / ${count(measured['5xx'])} |`,
    `| 5xx (all phases) | ${count(classes.serverErrors)} |`,
    `| 412 on PATCH with a stale If-Match (expected) | ${count(classes.conflicts)} |`,
    `| other non-2xx (unexpected) | ${count(classes.unexpected)} |`,
    `| socket errors / timeouts | ${socketErrors} / ${timeouts} |`,
    `| creates answered 201 | ${count(verified.creates201)} |`,
    `| … deleted again (DELETE 200) / still in the database | ${count(verified.deletes200)} / ${verified.notDeleted.length} |`,
    `| rows expected / found with the run marker | ${count(verified.expectedRows)} / ${count(verified.storedRows)} |`,
    `| creates verified / lost / rows without a 201 | ${count(verified.verified)} / ${verified.lost.length} / ${verified.unacknowledged.length} |`,
    `| records last changed by PUT: verified / of | ${count(verified.putsVerified)} / ${count(verified.puts200)} |`,
    `| PATCH 200 on the ${HOT_ROWS} hot rows: verified by version / of | ${count(verified.patchesVerified)} / ${count(verified.patches200)} |`,
    `| lost updates | ${verified.lostUpdates.length} |`,
    `| RSS idle / before / peak / after (MB) | ${harness.mb(rss.idle)} / ${harness.mb(rss.before)} / ${harness.mb(rss.peak)} / ${harness.mb(rss.after)} |`,
    `| RSS after / before, as measured | ${harness.fixed((rss.after / rss.before) * 100, 1)} % |`,
    `| after a full GC: RSS before / after (MB) | ${harness.mb(live.before.rss)} / ${harness.mb(live.after.rss)} |`,
    `| after a full GC: heap used before / after (MB) | ${harness.mb(live.before.heapUsed)} / ${harness.mb(live.after.heapUsed)} |`,
    `| RSS after / before, both after a full GC | ${harness.fixed(growth * 100, 1)} % (limit ${RSS_GROWTH_LIMIT * 100} %) |`,
    `| server exit on SIGTERM | ${outcome.exit.code ?? outcome.exit.signal} |`,
    '',
    'Responses per operation, warm-up and drain included:',
    '',
    ...statusTable(workload),
    '',
    failures.length === 0
      ? 'Result: PASS'
      : `Result: FAIL\n${failures.map((f) => `- ${f}`).join('\n')}`,
  ];
  const markdown = `${lines.join('\n')}\n`;
  const resultsDir = join(harness.BENCH, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `soak-${date.replace(/[:.]/g, '-')}.md`);
  writeFileSync(file, markdown);
  harness.log(`results: ${file}`);
  return { markdown, failures };
}

/** The first few items of a long list, for a failure line. */
function some(items, separator = ', ') {
  const shown = items.slice(0, 10).join(separator);
  return items.length > 10 ? `${shown}${separator}…` : shown;
}

await harness.runMain(async () => {
  const outcome = await soak();
  const { markdown, failures } = report(outcome);
  process.stdout.write(markdown);
  if (failures.length > 0) {
    process.stderr.write(`\nserver log (errors, last 20 kB):\n${outcome.serverOutput}\n`);
    process.exitCode = 1;
  }
});
