import { Injectable, type OnModuleInit } from '@nestjs/common';
import argon2 from 'argon2';
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';

/** OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane. */
const ARGON2_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** libuv's thread pool size when UV_THREADPOOL_SIZE does not set it. */
const DEFAULT_THREAD_POOL = 4;

/**
 * How many argon2 computations the server runs at once. Each holds 19 MiB outside the V8 heap
 * and a libuv thread (a pool shared with fs, dns.lookup and zlib) for about 30 ms of CPU: a burst
 * of logins ran four at a time, taking the whole pool and 76 MiB, and finished no sooner on a
 * two-core machine than two at a time. One per core, and one thread always left for the rest.
 */
export function argon2Concurrency(
  cores: number = availableParallelism(),
  threadPool: number = Number(process.env.UV_THREADPOOL_SIZE) || DEFAULT_THREAD_POOL,
): number {
  return Math.max(1, Math.min(cores, threadPool - 1));
}

/** Also used by the CLI and the seeders, which run without the Nest container. */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2_OPTIONS);
}

@Injectable()
export class PasswordHasher implements OnModuleInit {
  /** Verified against when the user does not exist, so both paths cost one argon2 verify. */
  private decoyHash: string;
  /** Requests beyond argon2Concurrency() wait here, in arrival order. */
  private readonly queue = pLimit(argon2Concurrency());

  async onModuleInit(): Promise<void> {
    this.decoyHash = await this.hash('decoy-password-never-matches');
  }

  hash(password: string): Promise<string> {
    return this.queue(() => hashPassword(password));
  }

  async verify(hash: string | undefined, password: string): Promise<boolean> {
    const matches = await this.queue(() => argon2.verify(hash ?? this.decoyHash, password));
    return hash !== undefined && matches;
  }
}
