import { execFile, spawn } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { URL } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { cleanups, freePort, log } from './server.mjs';

const execFileAsync = promisify(execFile);
/** The embedded server's credentials (src/database/embedded-postgres.ts). */
const USER = 'postgres';
const PASSWORD = 'postgres';
const DATABASE = 'interactions';
/** As the embedded primary is started (src/database/embedded-postgres.ts): a hot standby needs at least as many. */
const SERVER_FLAGS = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'];

/**
 * `npm run bench -- --replica`: a streaming replica of the embedded benchmark database, made as a
 * cold base backup (the embedded package has no pg_basebackup). The primary is stopped cleanly,
 * its data directory copied to `replicaDir/postgres` (a previous copy deleted first), the copy
 * told it is a standby of the primary, the primary started again, then the replica. Resolves once
 * the replica is in recovery and the primary shows it streaming in pg_stat_replication; stopping
 * it is left in `cleanups`.
 *
 * `primary` is the embedded primary: `dir` (its `postgres` data directory), `stop()` and
 * `start()` (which resolves with its new URL).
 */
export async function startStreamingReplica(primary, replicaDir) {
  const { postgres } = await import(`@embedded-postgres/${process.platform}-${process.arch}`);
  const owner = await postgresUser();
  allowReplication(primary.dir);

  log(`stopping the primary for a cold base backup`);
  await primary.stop();
  if (existsSync(join(primary.dir, 'postmaster.pid'))) {
    throw new Error(
      `${primary.dir} is still in use (postmaster.pid): another process runs that server, so no consistent copy can be made`,
    );
  }
  const copy = join(replicaDir, 'postgres');
  rmSync(replicaDir, { recursive: true, force: true });
  mkdirSync(replicaDir, { recursive: true });
  chmodSync(replicaDir, 0o755);
  const started = Date.now();
  // cp -a keeps the owner (the `postgres` user when run as root) and the modes PostgreSQL insists on.
  await execFileAsync('cp', ['-a', primary.dir, copy]);
  log(`copied ${primary.dir} to ${copy} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  rmSync(join(copy, 'postmaster.opts'), { force: true });

  const primaryUrl = new URL(await primary.start());
  await checkPrimarySettings(primaryUrl.toString());

  appendFileSync(join(copy, 'standby.signal'), '');
  appendFileSync(
    join(copy, 'postgresql.auto.conf'),
    [
      '# npm run bench -- --replica: a streaming replica of the benchmark database',
      `primary_conninfo = 'host=127.0.0.1 port=${primaryUrl.port} user=${USER} password=${PASSWORD} application_name=bench_replica'`,
      // Reads on the replica are not cancelled by the primary's vacuum of rows they still see.
      'hot_standby_feedback = on',
      '',
    ].join('\n'),
  );
  if (owner) {
    await execFileAsync('chown', [`${owner.uid}:${owner.gid}`, join(copy, 'standby.signal')]);
  }

  const port = await freePort();
  const child = spawn(postgres, ['-D', copy, '-p', String(port), ...SERVER_FLAGS], {
    ...owner,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk) => (output = (output + chunk.toString()).slice(-20_000)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT'); // fast shutdown
    }
    const timer = setTimeout(() => child.kill('SIGQUIT'), 30_000);
    await exited;
    clearTimeout(timer);
  };
  cleanups.push(stop);

  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
  await waitFor('the replica to accept connections', 60_000, async () => {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the replica exited with ${child.exitCode ?? child.signalCode}:\n${output}`);
    }
    const rows = await queryOnce(url, 'SELECT pg_is_in_recovery() AS recovery').catch(() => []);
    if (rows[0] && !rows[0].recovery) {
      throw new Error('the replica is not in recovery: standby.signal was not honoured');
    }
    return rows.length > 0;
  });
  const streaming = await waitFor('the primary to stream to the replica', 30_000, async () => {
    const rows = await queryOnce(
      primaryUrl.toString(),
      `SELECT application_name, state, sync_state FROM pg_stat_replication
        WHERE application_name = 'bench_replica' AND state = 'streaming'`,
    );
    return rows[0];
  });
  log(
    `replica on port ${port} (pid ${child.pid}) in recovery, streaming from the primary on port ${primaryUrl.port} (${streaming.sync_state})`,
  );
  return { url, pid: child.pid, stop };
}

/**
 * The primary must accept replication connections from 127.0.0.1 for its user: a line is added
 * to pg_hba.conf (read at start) when initdb wrote none that matches.
 */
function allowReplication(dataDir) {
  const hba = join(dataDir, 'pg_hba.conf');
  const allowed = readFileSync(hba, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim().split(/\s+/))
    .some(
      ([type, database, user, address]) =>
        type === 'host' &&
        database === 'replication' &&
        (user === 'all' || user === USER) &&
        (address === '127.0.0.1/32' || address === 'all' || address === '0.0.0.0/0'),
    );
  if (!allowed) {
    log(`adding a replication line for 127.0.0.1 to ${hba}`);
    appendFileSync(
      hba,
      `host    replication     ${USER}        127.0.0.1/32            password\n`,
    );
  }
}

async function checkPrimarySettings(url) {
  const rows = await queryOnce(
    url,
    `SELECT current_setting('wal_level') AS wal_level,
            current_setting('max_wal_senders')::int AS max_wal_senders`,
  );
  const { wal_level: walLevel, max_wal_senders: senders } = rows[0];
  if (!['replica', 'logical'].includes(walLevel) || senders < 1) {
    throw new Error(
      `the primary cannot stream: wal_level ${walLevel}, max_wal_senders ${senders} (replica or logical, and > 0 needed)`,
    );
  }
}

/** PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user. */
async function postgresUser() {
  if (process.getuid?.() !== 0) {
    return undefined;
  }
  const id = async (flag) => Number((await execFileAsync('id', [flag, USER])).stdout.trim());
  return { uid: await id('-u'), gid: await id('-g') };
}

async function queryOnce(url, text) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

/** Polls `probe` every 100 ms until it returns something truthy (or throws). */
async function waitFor(what, timeoutMs, probe) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found) {
      return found;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(100);
  }
}
