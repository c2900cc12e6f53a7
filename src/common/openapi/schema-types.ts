import { getSchemaPath } from '@nestjs/swagger';

/**
 * OpenAPI fragments shared by the DTOs, so a kind of value (an id, a timestamp) is described the
 * same way everywhere and carries the bounds the lint (OWASP API4) asks for.
 */

export const INT32_MAX = 2_147_483_647;

/** An integer id stored as PostgreSQL `integer` (users, sites). */
export const INT32_ID = { type: 'integer', format: 'int32', minimum: 1, maximum: INT32_MAX } as const;

/** An interaction id: `bigint` in SQL, a JSON number, so at most 2^53 − 1. */
export const INT64_ID = {
  type: 'integer',
  format: 'int64',
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
} as const;

/** A count or size that fits an int32 (totals, pages). */
export const INT32_COUNT = {
  type: 'integer',
  format: 'int32',
  minimum: 0,
  maximum: INT32_MAX,
} as const;

/** A time the API writes: UTC, seconds precision, `Z` (e.g. 2023-06-12T10:00:00Z). */
export const UTC_TIMESTAMP = {
  type: 'string',
  format: 'date-time',
  maxLength: 20,
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$',
} as const;

/** The longest date-time the input pattern admits (microseconds and an offset). */
export const INPUT_DATETIME_MAX_LENGTH = 32;

/**
 * Name of the schema listing the configured INTERACTION_TYPES: the DTOs declare the default list,
 * `buildOpenApiDocument` puts the configured one in its place.
 */
export const INTERACTION_TYPE_SCHEMA = 'InteractionType';

/** Strong ETag of an interaction: `"<id>.<version>"`. */
export const ETAG_SCHEMA = {
  type: 'string',
  maxLength: 40,
  pattern: '^"\\d+\\.\\d+"$',
  example: '"25.1"',
} as const;

/**
 * A property that holds `model` or null. OpenAPI 3.0 has no nullable `$ref`: `nullable` needs a
 * `type` beside it, and a `$ref` ignores its siblings. Its own idiom for null is this enum.
 */
export function nullableRef(model: string | (abstract new (...args: never[]) => unknown)): {
  oneOf: Array<Record<string, unknown>>;
} {
  return {
    oneOf: [
      { $ref: getSchemaPath(model) },
      { type: 'object', nullable: true, enum: [null] },
    ],
  };
}
