import argon2 from 'argon2';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PasswordHasher, argon2Concurrency } from './password-hasher';

describe('argon2Concurrency', () => {
  it('runs one computation per core, leaving a libuv thread free, and at least one', () => {
    expect(argon2Concurrency(2, 4)).toBe(2);
    expect(argon2Concurrency(16, 4)).toBe(3);
    expect(argon2Concurrency(16, 9)).toBe(8);
    expect(argon2Concurrency(1, 4)).toBe(1);
    expect(argon2Concurrency(8, 1)).toBe(1);
  });
});

describe('PasswordHasher', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('verifies at most argon2Concurrency() passwords at once; an unknown user never matches', async () => {
    const hasher = new PasswordHasher();
    await hasher.onModuleInit();
    const stored = await hasher.hash('correct horse battery staple');
    const verify = argon2.verify.bind(argon2);
    let running = 0;
    let mostAtOnce = 0;
    vi.spyOn(argon2, 'verify').mockImplementation(async (...args) => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      try {
        return await verify(...args);
      } finally {
        running -= 1;
      }
    });

    const attempts = Array.from({ length: 8 }, (_, index) =>
      hasher.verify(
        index === 6 ? undefined : stored,
        index % 2 === 0 ? 'correct horse battery staple' : 'wrong',
      ),
    );

    expect(await Promise.all(attempts)).toEqual([
      true,
      false,
      true,
      false,
      true,
      false,
      false,
      false,
    ]);
    expect(mostAtOnce).toBe(Math.min(8, argon2Concurrency()));
  });
});
