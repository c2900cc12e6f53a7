import { SetMetadata } from '@nestjs/common';
import type { HeaderObject, OpenAPIObject, ResponseObject } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/errors/api-error-responses.decorator';

export const RATE_TIER = 'rate-tier';

/**
 * A tier a route declares. Undeclared routes are `authenticated` (valid token, per user) or
 * `anonymous` (per client IP); `none` is set by `@Public({ rateLimit: false })` (health probes).
 */
export type DeclaredRateTier = 'auth' | 'search' | 'none';

/** `auth`: counted per client IP (login, refresh, password reset); `search`: per user. */
export function RateTier(tier: 'auth' | 'search'): MethodDecorator & ClassDecorator {
  return SetMetadata(RATE_TIER, tier);
}

/**
 * Documents the 429 of a rate-limited route. The access decorators apply it, so no route can
 * forget it; `addRateLimitHeaders` then documents the X-RateLimit-* headers on every response of
 * every operation that has this 429.
 */
export function ApiRateLimited(): MethodDecorator & ClassDecorator {
  return ApiErrorResponses(429);
}

/** Limits, counts and seconds: non-negative int32s. */
const HEADER_INTEGER = {
  type: 'integer',
  format: 'int32',
  minimum: 0,
  maximum: 2_147_483_647,
} as const;

const RATE_LIMIT_HEADERS: Record<string, HeaderObject> = {
  'X-RateLimit-Limit': {
    description: 'Requests allowed per window in the tier that governed this request',
    schema: { ...HEADER_INTEGER, example: 300 },
  },
  'X-RateLimit-Remaining': {
    description: 'Requests left in the current window',
    schema: { ...HEADER_INTEGER, example: 299 },
  },
  'X-RateLimit-Reset': {
    description: 'Unix time in seconds at which the current window ends',
    schema: {
      type: 'integer',
      format: 'int64',
      minimum: 0,
      maximum: 253402300799,
      example: 1764072060,
    },
  },
};

const RETRY_AFTER: HeaderObject = {
  description: 'Seconds to wait before the next request can succeed',
  schema: { ...HEADER_INTEGER, example: 42 },
};

export function addRateLimitHeaders(document: OpenAPIObject): void {
  document.components = {
    ...document.components,
    headers: { ...document.components?.headers, ...RATE_LIMIT_HEADERS, 'Retry-After': RETRY_AFTER },
  };
  const references = Object.fromEntries(
    Object.keys(RATE_LIMIT_HEADERS).map((name) => [name, { $ref: `#/components/headers/${name}` }]),
  );
  for (const pathItem of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const responses = pathItem[method]?.responses as Record<string, ResponseObject> | undefined;
      if (!responses?.['429']) {
        continue;
      }
      for (const [status, response] of Object.entries(responses)) {
        response.headers = {
          ...response.headers,
          ...references,
          ...(status === '429'
            ? { 'Retry-After': { $ref: '#/components/headers/Retry-After' } }
            : {}),
        };
      }
    }
  }
}
