import { afterEach, describe, expect, it, vi } from 'vitest';
import { FixedWindowMemoryStore } from './fixed-window-memory-store';

describe('FixedWindowMemoryStore', () => {
  const store = new FixedWindowMemoryStore();
  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts hits per key and blocks past the limit', async () => {
    const results = [];
    for (let hit = 0; hit < 4; hit += 1) {
      results.push(await store.increment('a', 60_000, 3, 60_000, 'tier'));
    }
    expect(results.map((result) => [result.totalHits, result.isBlocked])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, true],
    ]);
    expect((await store.increment('b', 60_000, 3, 60_000, 'tier')).totalHits).toBe(1);
  });

  it('starts a key afresh once its time is up', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    await store.increment('c', 1_000, 1, 1_000, 'tier');
    expect((await store.increment('c', 1_000, 1, 1_000, 'tier')).isBlocked).toBe(true);
    vi.setSystemTime(1_001_000);
    expect(await store.increment('c', 1_000, 1, 1_000, 'tier')).toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
  });
});
