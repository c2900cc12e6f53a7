import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import type { AppConfig, RateLimits } from '../../config/app-config';
import { FixedWindowMemoryStore } from './fixed-window-memory-store';

export type RateTierName = keyof RateLimits;

/** What one request used up, as the X-RateLimit-* headers and a 429 report it. */
export interface RateLimitVerdict {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix time in seconds at which the current window ends and the budget is full again. */
  resetAt: number;
  /** Seconds until then, at least 1. */
  retryAfterSeconds: number;
}

/**
 * Fixed windows aligned on multiples of the window length (12:00:00, 12:01:00 … for 60s), so every
 * instance computes the same window and its end without asking the store. The store (the
 * in-memory FixedWindowMemoryStore, or Redis through @nest-lab/throttler-storage-redis) only counts
 * atomically, under a key that names the window; it blocks once the count passes the limit until
 * the window ends.
 *
 * The store failing (Redis down) lets requests through: rate limiting is protection, not a reason
 * to refuse service. The outage is logged once, and so is the recovery.
 */
export class RateLimiter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private storeFailing = false;

  constructor(
    private readonly store: ThrottlerStorage,
    private readonly limits: RateLimits,
    private readonly windowMs: number,
    private readonly redis?: Redis,
  ) {}

  static fromConfig(config: AppConfig): RateLimiter {
    if (!config.redisUrl) {
      return new RateLimiter(
        new FixedWindowMemoryStore(),
        config.rateLimits,
        config.rateLimitWindowMs,
      );
    }
    const redis = new Redis(config.redisUrl, {
      // Fail fast instead of queueing commands while Redis is away: requests must not hang.
      enableOfflineQueue: false,
      connectTimeout: 1_000,
      commandTimeout: 500,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    // Outages are reported by consume(); without a listener ioredis prints every reconnect error.
    redis.on('error', () => undefined);
    return new RateLimiter(
      new ThrottlerStorageRedisService(redis),
      config.rateLimits,
      config.rateLimitWindowMs,
      redis,
    );
  }

  /** Waits (briefly) for Redis so the first requests are counted rather than let through. */
  async onModuleInit(): Promise<void> {
    const redis = this.redis;
    if (!redis || redis.status === 'ready') {
      return;
    }
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 2_000);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!ready) {
      this.storeFailing = true;
      this.logger.warn('Rate limiting suspended: Redis does not answer yet; requests pass');
    }
  }

  onApplicationShutdown(): void {
    if (this.store instanceof FixedWindowMemoryStore) {
      this.store.close();
    }
    this.redis?.disconnect(false);
  }

  /** Counts one request of `subject` in `tier`; undefined when the store cannot count. */
  async consume(
    tier: RateTierName,
    subject: string,
    now = Date.now(),
  ): Promise<RateLimitVerdict | undefined> {
    const limit = this.limits[tier];
    const windowStart = now - (now % this.windowMs);
    const windowEnd = windowStart + this.windowMs;
    const msLeft = windowEnd - now;
    let record: Awaited<ReturnType<ThrottlerStorage['increment']>>;
    try {
      record = await this.store.increment(
        `rl:${tier}:${subject}:${windowStart}`,
        msLeft,
        limit,
        msLeft,
        tier,
      );
    } catch (error) {
      this.reportOutage(error);
      return undefined;
    }
    this.reportRecovery();
    return {
      allowed: !record.isBlocked,
      limit,
      remaining: Math.max(0, limit - record.totalHits),
      resetAt: Math.ceil(windowEnd / 1000),
      retryAfterSeconds: Math.max(1, Math.ceil(msLeft / 1000)),
    };
  }

  /** For /health/ready: undefined when counters are in memory. */
  async redisStatus(): Promise<'up' | 'down' | undefined> {
    if (!this.redis) {
      return undefined;
    }
    try {
      await this.redis.ping();
      return 'up';
    } catch {
      return 'down';
    }
  }

  private reportOutage(error: unknown): void {
    if (this.storeFailing) {
      return;
    }
    this.storeFailing = true;
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn(
      `Rate limiting suspended: the counter store failed (${reason}); requests pass`,
    );
  }

  private reportRecovery(): void {
    if (this.storeFailing) {
      this.storeFailing = false;
      this.logger.log('Rate limiting resumed: the counter store answers again');
    }
  }
}
