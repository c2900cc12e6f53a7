import { join, resolve } from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  BENCH,
  cleanups,
  cpuSecondsBetween,
  log,
  logIn,
  METRICS_TOKEN,
  productEnv,
  readCpuSeconds,
  runMain,
  startEmbeddedPostgres,
  startServer,
} from './server.mjs';

/**
 * The cost of one request to one build, free of queueing: sends `--requests` sequential requests
 * to the compiled server of `--build` (a checkout with `dist/` built; default this one) on the
 * 10,000-row benchmark dataset (`npm run bench -- --smoke` seeds it), and prints per request the
 * server's CPU, the statements PostgreSQL ran, and the collections of the V8 garbage collector
 * (from the server's /metrics). GC counts move far less between runs than CPU on a shared VM,
 * which makes this the tool to bisect a per-request regression over commits (docs/performance.md).
 *
 *   node bench/request-cost.mjs [--build ../other-checkout] [--path /api/v1/interactions?page=1]
 *     [--requests 8000]
 */
const { values: args } = parseArgs({
  options: {
    build: { type: 'string', default: join(BENCH, '..') },
    path: { type: 'string', default: '/api/v1/interactions?page=1' },
    requests: { type: 'string', default: '8000' },
  },
});

async function gcCounters(url) {
  const response = await globalThis.fetch(`${url}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  const text = await response.text();
  const counters = {};
  for (const [, kind, value] of text.matchAll(
    /^nodejs_gc_duration_seconds_count\{kind="(\w+)"\} ([\d.e+-]+)$/gm,
  )) {
    counters[kind] = Number(value);
  }
  return counters;
}

runMain(async () => {
  const dataDir = join(BENCH, '.data-10000');
  const database = await startEmbeddedPostgres(dataDir, 0, log);
  cleanups.push(() => database.stop());
  const server = await startServer(
    'product',
    ['--max-old-space-size=1024', join(resolve(args.build), 'dist/src/main.js')],
    productEnv(database.url, dataDir),
  );
  cleanups.push(() => server.stop());
  const { token } = await logIn(server.url);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  cleanups.push(() => client.end());
  const send = () =>
    globalThis
      .fetch(`${server.url}${args.path}`, { headers: { authorization: `Bearer ${token}` } })
      .then((response) => response.arrayBuffer());
  const transactions = async () => {
    // Backends publish their statistics to pg_stat_database about once a second.
    await sleep(1_500);
    const { rows } = await client.query(
      `SELECT xact_commit + xact_rollback AS n FROM pg_stat_database
        WHERE datname = current_database()`,
    );
    return Number(rows[0].n);
  };

  const requests = Number(args.requests);
  for (let warmUp = 0; warmUp < requests / 4; warmUp += 1) {
    await send();
  }
  const gcBefore = await gcCounters(server.url);
  const transactionsBefore = await transactions();
  const cpuBefore = readCpuSeconds(server.pid);
  for (let sent = 0; sent < requests; sent += 1) {
    await send();
  }
  const cpu = cpuSecondsBetween(cpuBefore, readCpuSeconds(server.pid));
  const gcAfter = await gcCounters(server.url);
  // The two statements reading the counters are not the requests'.
  const statements = (await transactions()) - transactionsBefore - 2;
  const perRequest = (value) => (value / requests).toFixed(4);
  process.stdout.write(
    `${args.build} ${args.path}, ${requests} sequential requests, per request:\n` +
      `  server CPU ${((cpu.server * 1e6) / requests).toFixed(0)} µs, statements ${perRequest(statements)}\n` +
      Object.keys(gcAfter)
        .map((kind) => `  GC ${kind} ${perRequest(gcAfter[kind] - (gcBefore[kind] ?? 0))}\n`)
        .join(''),
  );
});
