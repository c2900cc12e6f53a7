import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FixedWindowMemoryStore } from './fixed-window-memory-store';
import { RateLimiter } from './rate-limiter';

const LIMITS = { auth: 2, search: 3, authenticated: 4, anonymous: 5 };
const MINUTE = 60_000;

describe('RateLimiter', () => {
  const store = new FixedWindowMemoryStore();
  afterEach(() => store.close());

  it('reports the end of the aligned window as Unix seconds and the seconds left', async () => {
    const limiter = new RateLimiter(store, LIMITS, MINUTE);
    const now = Math.floor(Date.now() / MINUTE) * MINUTE + 15_500;
    expect(await limiter.consume('anonymous', 'ip:1', now)).toEqual({
      allowed: true,
      limit: 5,
      remaining: 4,
      resetAt: (now - 15_500 + MINUTE) / 1000,
      retryAfterSeconds: 45,
    });
  });

  it('lets exactly the limit through in a window and starts afresh in the next', async () => {
    const limiter = new RateLimiter(store, LIMITS, MINUTE);
    const now = Date.now();
    const verdicts = [];
    for (let i = 0; i < 4; i += 1) {
      verdicts.push(await limiter.consume('auth', 'ip:2', now));
    }
    expect(verdicts.map((verdict) => [verdict?.allowed, verdict?.remaining])).toEqual([
      [true, 1],
      [true, 0],
      [false, 0],
      [false, 0],
    ]);
    expect(await limiter.consume('auth', 'ip:2', now + MINUTE)).toMatchObject({
      allowed: true,
      remaining: 1,
    });
  });

  it('keeps separate budgets per tier and per subject', async () => {
    const limiter = new RateLimiter(store, LIMITS, MINUTE);
    const now = Date.now();
    await limiter.consume('authenticated', 'user:1', now);
    expect(await limiter.consume('search', 'user:1', now)).toMatchObject({ remaining: 2 });
    expect(await limiter.consume('authenticated', 'user:2', now)).toMatchObject({ remaining: 3 });
  });

  it('counts in memory while the shared store fails, retries it once a second, logs each change once', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const log = vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    let storeUp = false;
    const increment = vi.fn(() =>
      storeUp
        ? Promise.resolve({
            totalHits: 1,
            timeToExpire: 60,
            isBlocked: false,
            timeToBlockExpire: 0,
          })
        : Promise.reject(new Error('Connection is closed.')),
    );
    const shared: ThrottlerStorage = { increment };
    const fallback = new FixedWindowMemoryStore();
    const limiter = new RateLimiter(shared, LIMITS, MINUTE, {
      redis: {} as Redis,
      fallback,
    });
    const clock = vi.spyOn(Date, 'now');
    try {
      const start = Math.floor(Date.now() / MINUTE) * MINUTE + 1_000;
      clock.mockReturnValue(start);
      const verdicts = [];
      for (let i = 0; i < 3; i += 1) {
        verdicts.push(await limiter.consume('auth', 'ip:3', start));
      }
      // The login limit (2) holds through the outage, counted in this instance's memory.
      expect(verdicts.map((verdict) => [verdict.allowed, verdict.remaining])).toEqual([
        [true, 1],
        [true, 0],
        [false, 0],
      ]);
      // Tried once, then left alone for a second.
      expect(increment).toHaveBeenCalledTimes(1);
      storeUp = true;
      expect(await limiter.consume('auth', 'ip:3', start)).toMatchObject({ allowed: false });
      expect(increment).toHaveBeenCalledTimes(1);
      clock.mockReturnValue(start + 1_000);
      expect(await limiter.consume('auth', 'ip:3', start + 1_000)).toMatchObject({
        allowed: true,
        remaining: 1,
      });
      expect(increment).toHaveBeenCalledTimes(2);
    } finally {
      clock.mockRestore();
      fallback.close();
    }
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toContain('Connection is closed.');
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0][0]).toContain('answers again');
  });
});
