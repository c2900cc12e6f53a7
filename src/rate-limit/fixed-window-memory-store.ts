import type { ThrottlerStorage } from '@nestjs/throttler';

type StorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

interface WindowCount {
  hits: number;
  expiresAt: number;
}

/**
 * In-memory counters for keys that already name their window (see RateLimiter): one number per
 * key, so a hit costs O(1). The throttler's own ThrottlerStorageService keeps one timestamp per
 * hit and prunes them on every call, which grows to milliseconds per request once a key holds tens
 * of thousands of hits (the raised limits of a benchmark).
 */
export class FixedWindowMemoryStore implements ThrottlerStorage {
  private readonly counts = new Map<string, WindowCount>();
  private readonly sweep: NodeJS.Timeout;

  constructor(sweepEveryMs = 60_000) {
    this.sweep = setInterval(() => this.dropExpired(Date.now()), sweepEveryMs);
    this.sweep.unref();
  }

  /** The block duration and throttler name of the interface are implied by the key's window. */
  increment(
    key: string,
    ttlMs: number,
    limit: number,
    _blockDurationMs?: number,
    _throttlerName?: string,
  ): Promise<StorageRecord> {
    const now = Date.now();
    let count = this.counts.get(key);
    if (!count || count.expiresAt <= now) {
      count = { hits: 0, expiresAt: now + ttlMs };
      this.counts.set(key, count);
    }
    count.hits += 1;
    const isBlocked = count.hits > limit;
    const secondsLeft = Math.max(0, Math.ceil((count.expiresAt - now) / 1000));
    return Promise.resolve({
      totalHits: count.hits,
      timeToExpire: secondsLeft,
      isBlocked,
      timeToBlockExpire: isBlocked ? secondsLeft : 0,
    });
  }

  close(): void {
    clearInterval(this.sweep);
    this.counts.clear();
  }

  private dropExpired(now: number): void {
    for (const [key, count] of this.counts) {
      if (count.expiresAt <= now) {
        this.counts.delete(key);
      }
    }
  }
}
