import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import type { AppConfig, RateLimits } from '../config/app-config';
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
 * The store failing (Redis down) must not switch the limits off, least of all the login limit at
 * the moment an attacker may have caused the outage: each instance then counts in its own memory
 * (the budget applies per instance) and tries Redis again at most once a second, so a Redis that
 * hangs rather than refuses costs one request a second its command timeout. Counting moves back
 * to Redis when it answers; the outage is logged once, and so is the recovery.
 */
export class RateLimiter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private storeFailing = false;
  /** While the store fails: when to try it again (ms since the epoch). */
  private retryStoreAt = 0;

  /** `fallback` counts while `store` fails (a shared store; the in-memory one does not fail). */
  constructor(
    private readonly store: ThrottlerStorage,
    private readonly limits: RateLimits,
    private readonly windowMs: number,
    private readonly shared?: { redis: Redis; fallback: FixedWindowMemoryStore },
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
      { redis, fallback: new FixedWindowMemoryStore() },
    );
  }

  /** Waits (briefly) for Redis so the first requests are counted rather than let through. */
  async onModuleInit(): Promise<void> {
    const redis = this.shared?.redis;
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
      this.logger.warn(
        'Redis does not answer yet: rate limits count in memory, per instance, until it does',
      );
    }
  }

  onApplicationShutdown(): void {
    if (this.store instanceof FixedWindowMemoryStore) {
      this.store.close();
    }
    this.shared?.fallback.close();
    this.shared?.redis.disconnect(false);
  }

  /** Counts one request of `subject` in `tier`. */
  async consume(tier: RateTierName, subject: string, now = Date.now()): Promise<RateLimitVerdict> {
    const limit = this.limits[tier];
    const windowStart = now - (now % this.windowMs);
    const windowEnd = windowStart + this.windowMs;
    const msLeft = windowEnd - now;
    const key = `rl:${tier}:${subject}:${windowStart}`;
    const record = await this.count(key, msLeft, limit, tier);
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
    if (!this.shared) {
      return undefined;
    }
    try {
      await this.shared.redis.ping();
      return 'up';
    } catch {
      return 'down';
    }
  }

  /** The store's count, or the fallback's while the store fails. */
  private async count(
    key: string,
    msLeft: number,
    limit: number,
    tier: RateTierName,
  ): Promise<Awaited<ReturnType<ThrottlerStorage['increment']>>> {
    const fallback = this.shared?.fallback;
    if (fallback === undefined || !this.storeFailing || Date.now() >= this.retryStoreAt) {
      try {
        const record = await this.store.increment(key, msLeft, limit, msLeft, tier);
        this.reportRecovery();
        return record;
      } catch (error) {
        if (fallback === undefined) {
          throw error;
        }
        this.reportOutage(error);
      }
    }
    return fallback.increment(key, msLeft, limit, msLeft, tier);
  }

  private reportOutage(error: unknown): void {
    this.retryStoreAt = Date.now() + STORE_RETRY_MS;
    if (this.storeFailing) {
      return;
    }
    this.storeFailing = true;
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn(
      `The rate-limit store failed (${reason}): limits count in memory, per instance, until it answers`,
    );
  }

  private reportRecovery(): void {
    if (this.storeFailing) {
      this.storeFailing = false;
      this.logger.log('The rate-limit store answers again: limits count there, shared');
    }
  }
}

/** How long counting stays in memory after the store failed, before the store is tried again. */
const STORE_RETRY_MS = 1_000;
