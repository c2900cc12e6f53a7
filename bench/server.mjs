import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, URL } from 'node:url';
import pg from 'pg';

/**
 * What the load tools share (`npm run bench`, `npm run soak`): the seeded bulk data, the server
 * process on a free port, the login, RSS from /proc and the clean-up of everything started.
 */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BENCH = join(ROOT, 'bench');
export const BENCH_USER = 'bulk-user-1';
export const BENCH_PASSWORD = 'demo-password-123';
export const BENCH_SITE = 'Bulk site 1';
/**
 * Raised, not switched off: every request still passes the rate-limit guard and is counted, in the
 * default 60 s window. 100 million per window is far above what one machine can send.
 */
export const RATE_LIMITS = {
  RATE_LIMIT_AUTH: '100000000',
  RATE_LIMIT_SEARCH: '100000000',
  RATE_LIMIT_AUTHENTICATED: '100000000',
  RATE_LIMIT_ANONYMOUS: '100000000',
};

let logPrefix = 'bench';

/** Log lines go to stderr as `[<prefix>] message`; stdout carries only the report. */
export function setLogPrefix(prefix) {
  logPrefix = prefix;
}

export function log(message) {
  process.stderr.write(`[${logPrefix}] ${message}\n`);
}

/** Everything started, stopped in reverse order on exit, error or Ctrl-C. */
export const cleanups = [];

export async function cleanUp(downTo = 0) {
  while (cleanups.length > downTo) {
    await cleanups
      .pop()()
      .catch((error) => log(`cleanup: ${error.message}`));
  }
}

/** Runs a tool's body: a thrown error is reported and exits 1; everything started is stopped. */
export async function runMain(body) {
  try {
    await body();
  } catch (error) {
    process.stderr.write(`${logPrefix} failed: ${error.stack ?? error}\n`);
    process.exitCode = 1;
  } finally {
    await cleanUp();
  }
}

export function cleanUpOnSignals() {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      void cleanUp().then(() => process.exit(130));
    });
  }
}

export const { startEmbeddedPostgres, freePort } = await import(
  join(ROOT, 'dist/src/database/embedded-postgres.js')
);

/** A database `name` on the server of `serverUrl`, created when missing; returns its URL. */
export async function ensureDatabase(serverUrl, name) {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await admin.query(`CREATE DATABASE ${name}`);
    }
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** `seed:bulk` through the built CLI; `env` names the database (DATABASE_URL or DATA_DIR). */
export function seedBulk({ interactions, sites, users, largestShare }, env) {
  log(
    `seeding ${interactions} interactions over ${sites} sites (${largestShare} % in the first) by ${users} users`,
  );
  return run(
    process.execPath,
    [
      join(ROOT, 'dist/src/cli/main.js'),
      'seed:bulk',
      '--interactions',
      String(interactions),
      '--sites',
      String(sites),
      '--users',
      String(users),
      '--largest-share',
      String(largestShare),
    ],
    env,
  );
}

/**
 * Starts a server process on a free port and waits for GET /health/ready. `stop()` sends SIGTERM
 * (SIGKILL after 10 s) and resolves with how the process ended.
 */
/** The token the benchmark gives the product for GET /metrics. */
export const METRICS_TOKEN = 'bench-metrics-token-0123456789abcdef';

/**
 * The product's counters so far that the benchmark reports, from one GET /metrics: `page_totals_total` (totals
 * counted, and reused: PageTotals) and `db_site_reads_total` (site reads and searches answered by
 * a replica, and by the primary: ReplicaSet).
 */
export async function productCountersOf(url) {
  const response = await globalThis.fetch(`${url}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  if (!response.ok) {
    throw new Error(`GET /metrics answered ${response.status}`);
  }
  const exposition = await response.text();
  const value = (name, label, labelValue) =>
    Number(
      exposition.match(new RegExp(`^${name}\\{${label}="${labelValue}"\\} (\\S+)$`, 'm'))?.[1] ?? 0,
    );
  return {
    pageTotals: {
      counted: value('page_totals_total', 'outcome', 'counted'),
      reused: value('page_totals_total', 'outcome', 'reused'),
    },
    siteReads: {
      replica: value('db_site_reads_total', 'server', 'replica'),
      primary: value('db_site_reads_total', 'server', 'primary'),
    },
  };
}

export async function startServer(name, argv, env) {
  const port = await freePort();
  const started = Date.now();
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const exit = await exited;
    clearTimeout(timer);
    return exit;
  };
  cleanups.push(stop);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`${name} exited with ${child.exitCode}:\n${output}`);
    }
    const ready = await globalThis.fetch(`${url}/health/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) {
      break;
    }
    if (Date.now() > deadline) {
      throw new Error(`${name} not ready within 60 s:\n${output}`);
    }
    await sleep(50);
  }
  const readySeconds = (Date.now() - started) / 1000;
  log(`${name} ready in ${readySeconds.toFixed(2)} s (pid ${child.pid})`);
  return {
    name,
    url,
    pid: child.pid,
    readySeconds,
    idleRssBytes: readRss(child.pid),
    output: () => output,
    stop: async () => {
      const exit = await stop();
      cleanups.splice(cleanups.indexOf(stop), 1);
      return exit;
    },
  };
}

/** Logs in as the bench user and selects the bench site; the token lasts as the server allows. */
export async function logIn(url) {
  const call = async (path, init = {}) => {
    const response = await globalThis.fetch(`${url}/api/v1${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...init.headers },
    });
    if (!response.ok) {
      throw new Error(`${path}: ${response.status} ${await response.text()}`);
    }
    return response.json();
  };
  const { token } = await call('/auth/login', {
    method: 'POST',
    body: JSON.stringify({ username: BENCH_USER, password: BENCH_PASSWORD }),
  });
  const authorization = { authorization: `Bearer ${token}` };
  const { sites } = await call('/auth/sites', { headers: authorization });
  const site = sites.find((candidate) => candidate.name === BENCH_SITE);
  await call('/auth/site', {
    method: 'POST',
    headers: authorization,
    body: JSON.stringify({ site_id: site.id }),
  });
  return { token, siteId: site.id };
}

/** Peak VmRSS of a process, read from /proc every 100 ms until stopped. */
export function sampleRss(pid) {
  let peak = readRss(pid);
  const timer = setInterval(() => (peak = Math.max(peak, readRss(pid))), 100);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, readRss(pid));
    },
  };
}

/** Linux counts process CPU time in clock ticks of 1/100 s (sysconf(_SC_CLK_TCK) everywhere it runs). */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU seconds used so far (user + system, every thread) by the process `pid`, and by each
 * PostgreSQL process on the machine (the benchmark's server is the only one it runs), from /proc.
 */
export function readCpuSeconds(pid) {
  const postgres = new Map();
  for (const entry of readdirSync('/proc')) {
    const ticks = /^\d+$/.test(entry) ? processTicks(entry, 'postgres') : undefined;
    if (ticks !== undefined) {
      postgres.set(entry, ticks / CLOCK_TICKS_PER_SECOND);
    }
  }
  return { server: (processTicks(String(pid)) ?? 0) / CLOCK_TICKS_PER_SECOND, postgres };
}

/**
 * CPU seconds between two readCpuSeconds: the server's, and PostgreSQL's summed over the processes
 * alive at the end (one that ended in between is not counted; a backend lives as long as its pool
 * connection, so that is at most an autovacuum worker).
 */
export function cpuSecondsBetween(before, after) {
  let postgres = 0;
  for (const [pid, seconds] of after.postgres) {
    postgres += seconds - (before.postgres.get(pid) ?? 0);
  }
  return { server: after.server - before.server, postgres };
}

/** utime + stime of a process, if it exists (and is named `command`, when given). */
function processTicks(pid, command) {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // pid (comm) state ppid … : comm may contain spaces, so fields are counted after the last ')'.
  const close = stat.lastIndexOf(')');
  if (command !== undefined && stat.slice(stat.indexOf('(') + 1, close) !== command) {
    return undefined;
  }
  const fields = stat.slice(close + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

export function readRss(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export function run(command, argv, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${argv.join(' ')} exited with ${code}`)),
    );
  });
}

export function positiveInteger(value) {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) {
    throw new Error(`not a positive integer: ${value}`);
  }
  return parsed;
}

export const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
export const mb = (bytes) => Math.round(bytes / (1024 * 1024));

/** The site holding the most interactions (the benchmarked one in a bulk dataset). */
export async function largestSiteId(client) {
  const { rows } = await client.query(
    'SELECT site_id FROM interactions GROUP BY site_id ORDER BY count(*) DESC LIMIT 1',
  );
  return rows[0].site_id;
}

/**
 * The product's environment in a benchmark, as the Dockerfile sets it (glibc's allocator
 * settings), logging warnings only, rate limits raised (RATE_LIMITS), a token lasting the run.
 */
export function productEnv(databaseUrl, dataDir) {
  return {
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    ACCESS_TOKEN_TTL: '12h',
    MALLOC_MMAP_THRESHOLD_: '131072',
    MALLOC_ARENA_MAX: '2',
    METRICS_TOKEN,
    // No gateway to tell: stop at once (SHUTDOWN_READY_DELAY, docs/deployment.md).
    SHUTDOWN_READY_DELAY: '0s',
    ...RATE_LIMITS,
  };
}
