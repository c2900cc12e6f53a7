import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Pool, type PoolConfig } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
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
      return { name, pool, checkedAt: 0, usable: false, checking: false };
    });
  }

  pools(): Pool[] {
    return this.replicas.map((replica) => replica.pool);
  }

  get enabled(): boolean {
    return this.replicas.length > 0;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.enabled) {
      return;
    }
    await this.check();
    this.timer = setInterval(() => void this.check(), CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled(this.replicas.map((replica) => replica.pool.end()));
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
      const lsn = await currentLsn(primaryPool(this.dataSource), 'pg_current_wal_lsn()');
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
      const replayed = await currentLsn(replica.pool, 'pg_last_wal_replay_lsn()');
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

/** `SELECT <position>` on a connection of `pool`, bounded by a client-side timeout. */
async function currentLsn(pool: Pool, position: string): Promise<bigint | undefined> {
  const result = await pool.query<{ lsn: string | null }>({
    text: `SELECT ${position}::text AS lsn`,
    query_timeout: 2 * CHECK_STALE_MS,
  } as never);
  const lsn = result.rows[0]?.lsn;
  return lsn ? parseLsn(lsn) : undefined;
}

function nameOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.host}${parsed.pathname}`;
}
