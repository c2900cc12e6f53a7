import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Pool, type PoolConfig, type QueryConfig } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { GuardedClient } from '../guarded-client';
import { primaryPool } from '../statement';
import { parseLsn } from './lsn';
import { SessionWritePositions } from './session-write-positions';

/** How often the primary's WAL position and each replica's replayed position are read. */
const CHECK_INTERVAL_MS = 200;
/** A replica whose position was not read for this long is not used (a hung check). */
const CHECK_STALE_MS = 5 * CHECK_INTERVAL_MS;

export interface Replica {
  /** host:port/database, for logs: never the credentials. */
  readonly name: string;
  readonly pool: Pool;
  readonly probe: PositionProbe;
  /** The WAL position it had replayed at its last check. */
  replayed?: bigint;
  checkedAt: number;
  usable: boolean;
  checking: boolean;
}

/**
 * The streaming replicas of DATABASE_REPLICA_URLS and what a read may use them for. A read goes
 * to a replica that is reachable, at most DB_REPLICA_MAX_LAG behind the primary, and has replayed
 * the last write of the reading session (read-your-writes, SessionWritePositions); otherwise to
 * the primary. Positions come from a check every 200 ms, so a replica is judged by what it had
 * replayed at least that long ago: never later than it is.
 */
@Injectable()
export class ReplicaSet implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private readonly replicas: Replica[];
  /** The primary's WAL position over the last DB_REPLICA_MAX_LAG and a bit, oldest first. */
  private readonly primarySamples: Array<{ at: number; lsn: bigint }> = [];
  private samplingPrimary = false;
  private primaryProbe?: PositionProbe;
  private nextReplica = 0;
  private timer?: NodeJS.Timeout;
  /** Reads served, by where: for /metrics and the benchmark. */
  readonly served = { replica: 0, primary: 0 };

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly writes: SessionWritePositions,
    poolConfig: (url: string) => PoolConfig,
  ) {
    this.replicas = config.databaseReplicaUrls.map((url) => {
      const pool = new Pool(poolConfig(url));
      const name = nameOf(url);
      // An idle connection's error is reported here; without a listener it ends the process.
      pool.on('error', (error) => this.logger.warn(`replica ${name}: ${error.message}`));
      return {
        name,
        pool,
        probe: new PositionProbe(pool, 'pg_last_wal_replay_lsn()'),
        checkedAt: 0,
        usable: false,
        checking: false,
      };
    });
  }

  pools(): Pool[] {
    return this.replicas.map((replica) => replica.pool);
  }

  get enabled(): boolean {
    return this.replicas.length > 0;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) {
      return;
    }
    // Not awaited: a replica that does not answer must not hold up the start; reads go to the
    // primary until a check has found a replica usable.
    void this.check();
    this.timer = setInterval(() => void this.check(), CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([
      this.primaryProbe?.close(),
      ...this.replicas.flatMap((replica) => [replica.probe.close(), replica.pool.end()]),
    ]);
  }

  /** The replica a read of this session may use, or undefined for the primary. */
  async replicaFor(sessionId: string): Promise<Replica | undefined> {
    if (!this.enabled) {
      return undefined;
    }
    const written = await this.writes.lastWriteOf(sessionId);
    if (written === 'unknown') {
      return undefined;
    }
    const now = Date.now();
    for (let tried = 0; tried < this.replicas.length; tried += 1) {
      const index = (this.nextReplica + tried) % this.replicas.length;
      const replica = this.replicas[index];
      if (
        replica.usable &&
        now - replica.checkedAt <= CHECK_STALE_MS &&
        (written === undefined || (replica.replayed !== undefined && replica.replayed >= written))
      ) {
        this.nextReplica = (index + 1) % this.replicas.length;
        return replica;
      }
    }
    return undefined;
  }

  /** After a write of the session committed: its reads stay on the primary until replayed. */
  async noteWrite(sessionId: string): Promise<void> {
    if (!this.enabled) {
      return;
    }
    const lsn = await currentLsn(primaryPool(this.dataSource), 'pg_current_wal_lsn()');
    if (lsn !== undefined) {
      await this.writes.note(sessionId, lsn);
    }
  }

  /** A read failed on the replica for want of it: not used again until a check succeeds. */
  markDown(replica: Replica): void {
    if (replica.usable) {
      this.logger.warn(`replica ${replica.name} failed a read; reading from the primary`);
    }
    replica.usable = false;
  }

  private async check(): Promise<void> {
    await Promise.all([this.samplePrimary(), ...this.replicas.map((r) => this.checkReplica(r))]);
  }

  private async samplePrimary(): Promise<void> {
    if (this.samplingPrimary) {
      return;
    }
    this.samplingPrimary = true;
    try {
      const at = Date.now();
      this.primaryProbe ??= new PositionProbe(primaryPool(this.dataSource), 'pg_current_wal_lsn()');
      const lsn = await this.primaryProbe.read();
      if (lsn === undefined) {
        return;
      }
      this.primarySamples.push({ at, lsn });
      const keepFrom = at - this.config.dbReplicaMaxLagMs - 2 * CHECK_INTERVAL_MS;
      while (this.primarySamples.length > 1 && this.primarySamples[0].at < keepFrom) {
        this.primarySamples.shift();
      }
    } catch {
      // The primary is down: the replicas are judged by the positions sampled before.
    } finally {
      this.samplingPrimary = false;
    }
  }

  private async checkReplica(replica: Replica): Promise<void> {
    if (replica.checking) {
      return;
    }
    replica.checking = true;
    try {
      const replayed = await replica.probe.read();
      const now = Date.now();
      const usable =
        replayed !== undefined && this.lagOf(replayed, now) <= this.config.dbReplicaMaxLagMs;
      if (usable !== replica.usable) {
        this.logger.log(
          `replica ${replica.name} ${usable ? 'serves reads' : 'is skipped: not a replica, or behind the primary by more than DB_REPLICA_MAX_LAG'}`,
        );
      }
      Object.assign(replica, { replayed, checkedAt: now, usable });
    } catch (error) {
      if (replica.usable) {
        this.logger.warn(`replica ${replica.name} is skipped: ${(error as Error).message}`);
      }
      replica.usable = false;
    } finally {
      replica.checking = false;
    }
  }

  /**
   * How long ago the primary had WAL the replica has not replayed: from the oldest sample past
   * its position. With no sample past it, it has everything the primary had at the last one.
   */
  private lagOf(replayed: bigint, now: number): number {
    const ahead = this.primarySamples.find((sample) => sample.lsn > replayed);
    return ahead === undefined ? 0 : now - ahead.at;
  }
}

/** `SELECT <position>` on a connection of `pool`, for a write's position in a request. */
async function currentLsn(pool: Pool, position: string): Promise<bigint | undefined> {
  const result = await pool.query<{ lsn: string | null }>(`SELECT ${position}::text AS lsn`);
  const lsn = result.rows[0]?.lsn;
  return lsn ? parseLsn(lsn) : undefined;
}

/**
 * The checks' own connection to one server, outside its pool: while long searches hold every
 * pooled connection, a check waiting for one would go stale and the replica be skipped for no
 * fault of its own (the benchmark saw half the slow searches go to the primary that way).
 * Reconnects after a failure; each check is bounded by a client-side timeout.
 */
class PositionProbe {
  private client?: Promise<GuardedClient>;

  constructor(
    private readonly pool: Pool,
    private readonly position: string,
  ) {}

  async read(): Promise<bigint | undefined> {
    try {
      this.client ??= this.connect();
      const client = await this.client;
      const result = await client.query<{ lsn: string | null }>({
        text: `SELECT ${this.position}::text AS lsn`,
        query_timeout: 2 * CHECK_STALE_MS,
      } as QueryConfig);
      const lsn = result.rows[0]?.lsn;
      return lsn ? parseLsn(lsn) : undefined;
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.then((connected) => connected.end()).catch(() => undefined);
  }

  private async connect(): Promise<GuardedClient> {
    const client = new GuardedClient(this.pool.options);
    await client.connect();
    return client;
  }
}

function nameOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.host}${parsed.pathname}`;
}
