import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './free-port';

/** Debian's PostgreSQL 15 (apt `postgresql-15`): the replica tests are skipped without it. */
const BIN = '/usr/lib/postgresql/15/bin';
export const hasDebianPostgres = existsSync(join(BIN, 'pg_basebackup'));

const run = promisify(execFile);
const asRoot = process.getuid?.() === 0;

/** A server binary as the `postgres` user when the tests run as root (PostgreSQL refuses root). */
function pg(tool: string, args: string[]): Promise<{ stdout: string }> {
  return asRoot
    ? run('runuser', ['-u', 'postgres', '--', join(BIN, tool), ...args])
    : run(join(BIN, tool), args);
}

/**
 * A primary and a streaming replica of it, made the way an operator makes one: initdb, then
 * pg_basebackup -R from the running primary. Both listen on 127.0.0.1 and free ports, trust
 * local connections, and live in one temp dir removed by stop().
 */
export class StreamingPair {
  private constructor(
    private readonly dir: string,
    readonly primaryPort: number,
    readonly replicaPort: number,
  ) {}

  static readonly DATABASE = 'interactions';

  get primaryUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.primaryPort}/${StreamingPair.DATABASE}`;
  }

  get replicaUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.replicaPort}/${StreamingPair.DATABASE}`;
  }

  private get primaryDir(): string {
    return join(this.dir, 'primary');
  }

  private get replicaDir(): string {
    return join(this.dir, 'replica');
  }

  static async start(): Promise<StreamingPair> {
    const dir = await mkdtemp(join(tmpdir(), 'ims-streaming-'));
    if (asRoot) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: group } = await run('id', ['-g', 'postgres']);
      await chown(dir, Number(stdout.trim()), Number(group.trim()));
    }
    const pair = new StreamingPair(dir, await freePort(), await freePort());
    await pg('initdb', ['-D', pair.primaryDir, '-U', 'postgres', '--auth=trust', '--no-sync']);
    await appendFile(pair.primaryDir + '/postgresql.conf', pair.serverSettings(pair.primaryPort));
    await pair.startServer(pair.primaryDir, 'primary');
    await pair.onPrimary(`CREATE DATABASE ${StreamingPair.DATABASE}`);
    await pg('pg_basebackup', [
      ...['-h', '127.0.0.1', '-p', String(pair.primaryPort), '-U', 'postgres'],
      ...['-D', pair.replicaDir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync'],
    ]);
    await appendFile(pair.replicaDir + '/postgresql.conf', `port = ${pair.replicaPort}\n`);
    await pair.startReplica();
    return pair;
  }

  async startReplica(): Promise<void> {
    await this.startServer(this.replicaDir, 'replica');
  }

  /** Stops the replica at once, as a crash or a lost host would (`-m immediate`). */
  async stopReplica(): Promise<void> {
    await pg('pg_ctl', ['-D', this.replicaDir, '-m', 'immediate', '-w', 'stop']);
  }

  /** The replica applies each commit this long after the primary made it (0: at once). */
  async delayReplay(ms: number): Promise<void> {
    await appendFile(this.replicaDir + '/postgresql.conf', `recovery_min_apply_delay = ${ms}\n`);
    await pg('pg_ctl', ['-D', this.replicaDir, 'reload']);
  }

  async stop(): Promise<void> {
    for (const dataDir of [this.replicaDir, this.primaryDir]) {
      if (existsSync(join(dataDir, 'postmaster.pid'))) {
        await pg('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      }
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  private serverSettings(port: number): string {
    return [
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${this.dir}'`,
      'fsync = off',
      'max_connections = 100',
      '',
    ].join('\n');
  }

  private async startServer(dataDir: string, name: string): Promise<void> {
    await pg('pg_ctl', ['-D', dataDir, '-l', join(this.dir, `${name}.log`), '-w', 'start']);
  }

  private async onPrimary(sql: string): Promise<void> {
    const client = new Client({
      connectionString: `postgres://postgres@127.0.0.1:${this.primaryPort}/postgres`,
    });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
}
