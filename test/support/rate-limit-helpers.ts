import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { expectError } from './auth-helpers';

let lastOctet = 0;

/** A client address no other test has used, so each test starts with full per-IP budgets. */
export function freshIp(): string {
  lastOctet += 1;
  return `10.0.${Math.floor(lastOctet / 250)}.${(lastOctet % 250) + 1}`;
}

/**
 * Windows are aligned on multiples of their length; a test that spends a budget must not straddle
 * two windows, so near the end of one it waits for the next.
 */
export async function awayFromWindowEdge(windowMs: number, marginMs = 5_000): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < marginMs) {
    await new Promise((resolve) => setTimeout(resolve, left + 50));
  }
}

/** The X-RateLimit-* headers, with Reset a Unix time inside the current window. */
export function expectRateHeaders(
  response: LightMyRequestResponse,
  expected: { limit: number; remaining: number; windowSeconds: number },
): void {
  const now = Date.now() / 1000;
  const reset = Number(response.headers['x-ratelimit-reset']);
  expect({
    limit: response.headers['x-ratelimit-limit'],
    remaining: response.headers['x-ratelimit-remaining'],
  }).toEqual({ limit: String(expected.limit), remaining: String(expected.remaining) });
  expect(Number.isInteger(reset)).toBe(true);
  expect(reset).toBeGreaterThan(now);
  expect(reset).toBeLessThanOrEqual(Math.ceil(now) + expected.windowSeconds);
}

/** 429 RATE_LIMITED in the envelope, Retry-After pointing at the Reset of the headers. */
export function expectRateLimited(response: LightMyRequestResponse, limit: number): void {
  expectError(response, 429, 'RATE_LIMITED');
  expect(response.headers['x-ratelimit-limit']).toBe(String(limit));
  expect(response.headers['x-ratelimit-remaining']).toBe('0');
  const retryAfter = Number(response.headers['retry-after']);
  const reset = Number(response.headers['x-ratelimit-reset']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(Math.abs(Date.now() / 1000 + retryAfter - reset)).toBeLessThanOrEqual(1.5);
}

/** Sends `limit` requests expecting the budget to count down to 0, then one more expecting 429. */
export async function spendBudget(
  send: () => Promise<LightMyRequestResponse>,
  limit: number,
  windowSeconds: number,
): Promise<void> {
  for (let used = 1; used <= limit; used += 1) {
    const response = await send();
    expect(response.statusCode).not.toBe(429);
    expectRateHeaders(response, { limit, remaining: limit - used, windowSeconds });
  }
  expectRateLimited(await send(), limit);
}
