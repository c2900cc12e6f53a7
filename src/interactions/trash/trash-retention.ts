import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { appendAuditEvents, NO_REQUEST, SYSTEM, type AuditEvent } from '../../audit/audit-event';
import { AppConfig } from '../../config/app-config';
import { runStatement } from '../../database/statement';
import { purgeStatement } from './trash-sql';

/** The advisory lock of the purge (the migrations take another key: database/migrate.ts). */
export const TRASH_PURGE_LOCK_KEY = 7_212_021;

/** Rows purged per transaction: each batch's events commit with it, and no lock is held long. */
const PURGE_BATCH = 1_000;

/**
 * Empties the trash of what was deleted more than TRASH_RETENTION ago, every
 * TRASH_PURGE_INTERVAL, on one instance at a time: each batch is a transaction that first takes a
 * PostgreSQL advisory transaction lock, and an instance that does not get it leaves the run to
 * the one that has it. The lock dies with the transaction or its connection, so a crashed
 * instance never leaves it held. A job queue (pg-boss) would add a schema, a poller and a
 * dependency for one idempotent statement (docs/decisions.md). Every purge is audited
 * (`interaction.purged`, by the system) in its batch's transaction.
 */
@Injectable()
export class TrashRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TrashRetention.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purgeInBackground(), this.config.trashPurgeIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Purges what is due; the number purged (0 when another instance holds the lock). */
  purgeExpired(): Promise<number> {
    this.running ??= this.purgeBatches().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async purgeInBackground(): Promise<void> {
    try {
      const purged = await this.purgeExpired();
      if (purged > 0) {
        this.logger.log(`purged ${purged} expired interaction(s) from the trash`);
      }
    } catch (error) {
      this.logger.warn(`trash purge failed, it runs again later: ${(error as Error).message}`);
    }
  }

  private async purgeBatches(): Promise<number> {
    let purged = 0;
    for (;;) {
      const batch = await this.purgeBatch();
      purged += batch ?? 0;
      if (batch === undefined || batch < PURGE_BATCH) {
        return purged;
      }
    }
  }

  /** One batch; undefined when another instance holds the purge lock. */
  private purgeBatch(): Promise<number | undefined> {
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query<Array<{ locked: boolean }>>(
        'SELECT pg_try_advisory_xact_lock($1) AS locked',
        [TRASH_PURGE_LOCK_KEY],
      );
      if (!locked) {
        return undefined;
      }
      const gone = await runStatement<Array<{ id: string; siteId: number; version: number }>>(
        manager,
        purgeStatement(this.config.trashRetentionMs, PURGE_BATCH),
      );
      if (gone.length > 0) {
        await appendAuditEvents(manager, gone.map(purgedEvent));
      }
      return gone.length;
    });
  }
}

function purgedEvent(row: { id: string; siteId: number; version: number }): AuditEvent {
  return {
    action: 'interaction.purged',
    actor: SYSTEM,
    origin: NO_REQUEST,
    siteId: row.siteId,
    target: { type: 'interaction', id: String(row.id) },
    version: row.version,
  };
}
