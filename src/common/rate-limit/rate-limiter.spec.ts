import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
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

  it('lets requests through while the store fails, logging the outage once and the recovery', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const log = vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const failing: ThrottlerStorage = {
      increment: vi
        .fn()
        .mockRejectedValueOnce(new Error('Connection is closed.'))
        .mockRejectedValueOnce(new Error('Connection is closed.'))
        .mockResolvedValue({
          totalHits: 1,
          timeToExpire: 60,
          isBlocked: false,
          timeToBlockExpire: 0,
        }),
    };
    const limiter = new RateLimiter(failing, LIMITS, MINUTE);
    expect(await limiter.consume('anonymous', 'ip:3')).toBeUndefined();
    expect(await limiter.consume('anonymous', 'ip:3')).toBeUndefined();
    expect(await limiter.consume('anonymous', 'ip:3')).toMatchObject({ allowed: true });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toContain('Connection is closed.');
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0][0]).toContain('resumed');
  });
});
