import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { formatLsn, parseLsn } from './lsn';

/** Sessions whose last write this instance keeps in memory; the oldest go first beyond this. */
const SESSIONS_KEPT = 10_000;
const KEY_PREFIX = 'ims:last-write:';

/**
 * The WAL position of each session's last write, for read-your-writes on replicas. Kept as long
 * as a replica may lag (DB_REPLICA_MAX_LAG, and a margin): a replica further behind is not used
 * at all. With REDIS_URL the positions are shared, so the instance that serves the next request
 * of the session knows of a write another instance served; when Redis does not answer, the
 * position is unknown and the read goes to the primary.
 */
@Injectable()
export class SessionWritePositions implements OnApplicationShutdown {
  private readonly local = new Map<string, { lsn: bigint; until: number }>();
  private readonly keptMs: number;
  private readonly redis?: Redis;

  constructor(config: AppConfig) {
    this.keptMs = 2 * config.dbReplicaMaxLagMs + 10_000;
    if (config.redisUrl && config.databaseReplicaUrls.length > 0) {
      this.redis = new Redis(config.redisUrl, {
        // Fail fast instead of queueing while Redis is away: the read goes to the primary.
        enableOfflineQueue: false,
        connectTimeout: 1_000,
        commandTimeout: 250,
        maxRetriesPerRequest: 0,
        retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      });
      this.redis.on('error', () => undefined);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis?.disconnect();
    return Promise.resolve();
  }

  async note(sessionId: string, lsn: bigint): Promise<void> {
    this.local.delete(sessionId);
    if (this.local.size >= SESSIONS_KEPT) {
      this.local.delete(this.local.keys().next().value!);
    }
    this.local.set(sessionId, { lsn, until: Date.now() + this.keptMs });
    await this.redis
      ?.set(`${KEY_PREFIX}${sessionId}`, formatLsn(lsn), 'PX', this.keptMs)
      .catch(() => undefined);
  }

  /** The session's last write (undefined: none lately), or 'unknown' when Redis cannot tell. */
  async lastWriteOf(sessionId: string): Promise<bigint | undefined | 'unknown'> {
    const kept = this.local.get(sessionId);
    let local = kept?.lsn;
    if (kept !== undefined && kept.until < Date.now()) {
      this.local.delete(sessionId);
      local = undefined;
    }
    if (this.redis === undefined) {
      return local;
    }
    let shared: string | null;
    try {
      shared = await this.redis.get(`${KEY_PREFIX}${sessionId}`);
    } catch {
      return 'unknown';
    }
    const remote = shared === null ? undefined : parseLsn(shared);
    if (local === undefined || (remote !== undefined && remote > local)) {
      return remote;
    }
    return local;
  }
}
