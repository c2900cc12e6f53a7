import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { ReplicaSet } from './replicas/replica-set';
import { primaryPool } from './statement';

/** What the watchdog reads of a pg client (private to pg, stable across its 8.x line). */
interface WatchedClient {
  activeQuery?: object | null;
  connection: { stream: { destroy(): void } };
}

/**
 * DB_QUERY_TIMEOUT: the service's own bound on how long a connection waits for a statement's
 * answer, for the waits PostgreSQL cannot end itself (a network partition, a hung server). One
 * timer looks at the pool's connections a few times per timeout; a connection seen on the same
 * statement for DB_QUERY_TIMEOUT is closed, so its statement fails ("Connection terminated", 503)
 * and the pool drops it.
 *
 * pg's own `query_timeout` does this with a timer per statement: list pages then made a tenth
 * more garbage and brought major collections back (bench/request-cost.mjs: 0.0125 → 0.0138
 * scavenges per request, none → 4 mark-compacts in 6,000). This costs the statements nothing.
 */
@Injectable()
export class StatementWatchdog implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private readonly seen = new WeakMap<WatchedClient, { statement: object; since: number }>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly replicas: ReplicaSet,
  ) {}

  onApplicationBootstrap(): void {
    const tickMs = Math.min(1_000, Math.max(50, Math.floor(this.config.dbQueryTimeoutMs / 4)));
    this.timer = setInterval(() => this.inspect(Date.now()), tickMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Closes the connections whose statement has been running for DB_QUERY_TIMEOUT at `now`. */
  inspect(now: number): void {
    const pools = [primaryPool(this.dataSource), ...this.replicas.pools()] as unknown as Array<
      { _clients?: WatchedClient[] } | undefined
    >;
    for (const client of pools.flatMap((pool) => pool?._clients ?? [])) {
      const statement = client.activeQuery;
      if (!statement) {
        this.seen.delete(client);
        continue;
      }
      const seen = this.seen.get(client);
      if (seen?.statement !== statement) {
        this.seen.set(client, { statement, since: now });
      } else if (now - seen.since >= this.config.dbQueryTimeoutMs) {
        this.seen.delete(client);
        this.logger.warn(
          `closing a database connection: no answer to its statement within DB_QUERY_TIMEOUT (${this.config.dbQueryTimeoutMs} ms)`,
        );
        client.connection.stream.destroy();
      }
    }
  }
}
