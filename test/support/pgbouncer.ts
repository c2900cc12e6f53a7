import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

/** Debian's pgbouncer (apt-get install pgbouncer); the PgBouncer tests are skipped without it. */
export const pgbouncerBinary: string | undefined = existsSync('/usr/sbin/pgbouncer')
  ? '/usr/sbin/pgbouncer'
  : spawnSync('pgbouncer', ['--version'], { stdio: 'ignore' }).status === 0
    ? 'pgbouncer'
    : undefined;

/** The session settings the app's pool sends at connect (src/database/data-source.ts). */
export const APP_STARTUP_PARAMETERS = [
  'statement_timeout',
  'lock_timeout',
  'idle_in_transaction_session_timeout',
];

export interface PgBouncerOptions {
  /** Server connections per database and user: PgBouncer's `default_pool_size`. */
  poolSize: number;
  /** Startup parameters PgBouncer accepts from clients and drops (it refuses any other). */
  ignoreStartupParameters: string[];
}

/**
 * A throwaway PgBouncer in `pool_mode = transaction` on 127.0.0.1 and a free port, in front of the
 * one database of `upstreamUrl`, with the same user and password. It refuses to run as root, so a
 * root test process starts it as the `postgres` user (which the embedded PostgreSQL creates), or
 * `nobody`; its files live in a temporary folder that user owns.
 */
export class PgBouncer {
  private child?: ChildProcess;
  private output = '';

  private constructor(
    private readonly dir: string,
    readonly url: string,
  ) {}

  static async start(upstreamUrl: string, options: PgBouncerOptions): Promise<PgBouncer> {
    if (!pgbouncerBinary) {
      throw new Error('pgbouncer is not installed');
    }
    const upstream = new URL(upstreamUrl);
    const database = upstream.pathname.slice(1);
    const user = decodeURIComponent(upstream.username);
    const password = decodeURIComponent(upstream.password);
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'ims-test-pgbouncer-'));
    const url = new URL(upstreamUrl);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    const bouncer = new PgBouncer(dir, url.toString());
    try {
      const owner = process.getuid?.() === 0 ? unprivilegedUser() : undefined;
      const config = join(dir, 'pgbouncer.ini');
      await writeFile(
        config,
        [
          '[databases]',
          `${database} = host=${upstream.hostname} port=${upstream.port} dbname=${database}`,
          '[pgbouncer]',
          'listen_addr = 127.0.0.1',
          `listen_port = ${port}`,
          'unix_socket_dir =',
          'auth_type = scram-sha-256',
          `auth_file = ${join(dir, 'userlist.txt')}`,
          'pool_mode = transaction',
          `default_pool_size = ${options.poolSize}`,
          'max_client_conn = 200',
          `ignore_startup_parameters = ${options.ignoreStartupParameters.join(', ')}`,
          '',
        ].join('\n'),
      );
      await writeFile(join(dir, 'userlist.txt'), `"${user}" "${password}"\n`);
      await chmod(join(dir, 'userlist.txt'), 0o600);
      if (owner) {
        for (const path of [dir, config, join(dir, 'userlist.txt')]) {
          await chown(path, owner.uid, owner.gid);
        }
      }
      await bouncer.run(config, owner);
    } catch (error) {
      await bouncer.stop();
      throw error;
    }
    return bouncer;
  }

  /** What PgBouncer logged so far (on stderr), for a failing test's message. */
  get log(): string {
    return this.output;
  }

  private async run(
    config: string,
    owner: { uid: number; gid: number } | undefined,
  ): Promise<void> {
    const child = spawn(pgbouncerBinary as string, [config], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...owner,
    });
    this.child = child;
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    const port = new URL(this.url).port;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`pgbouncer did not start: ${this.output}`)),
        10_000,
      );
      const read = (chunk: Buffer) => {
        this.output += chunk.toString();
        if (this.output.includes(`listening on 127.0.0.1:${port}`)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`pgbouncer exited with ${code}: ${this.output}`));
      });
    });
  }

  /** Stops PgBouncer (immediate shutdown) and removes its folder. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

function unprivilegedUser(): { uid: number; gid: number } {
  for (const name of ['postgres', 'nobody']) {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0) {
      return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
    }
  }
  throw new Error('pgbouncer does not run as root, and there is no postgres or nobody user');
}
