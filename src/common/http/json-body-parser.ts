import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors/api-error';
import { ErrorCode } from '../errors/error-code';

/**
 * Arrays and objects inside one another, at most. The deepest body the API takes (an advanced
 * search with groups nested 4 levels) needs about 10; class-transformer and class-validator
 * recurse, so a body nested a few thousand levels would overflow the stack and end as a 500.
 */
export const MAX_JSON_DEPTH = 64;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Replaces Fastify's JSON parser with the same parser (prototype poisoning refused, empty and
 * malformed bodies 400) plus two refusals, both 400 BAD_REQUEST: bytes that are not UTF-8 (RFC
 * 8259 §8.1; Fastify would silently turn them into U+FFFD and store that) and nesting deeper than
 * MAX_JSON_DEPTH.
 */
export function useStrictJsonParser(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    (request, body: Buffer, done) => {
      let text: string;
      try {
        text = strictUtf8.decode(body);
      } catch {
        done(new ApiError(ErrorCode.BAD_REQUEST, 'Request body is not valid UTF-8'), undefined);
        return;
      }
      void parseJson(request, text, (error, value) => {
        if (error) {
          done(error, undefined);
        } else if (nestedDeeperThan(value, MAX_JSON_DEPTH)) {
          done(
            new ApiError(
              ErrorCode.BAD_REQUEST,
              `Request body is nested more than ${MAX_JSON_DEPTH} levels deep`,
            ),
            undefined,
          );
        } else {
          done(null, value);
        }
      });
    },
  );
}

/** Iterative, so that measuring a hostile body cannot overflow the stack either. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 1 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { node, depth } = next;
    if (node === null || typeof node !== 'object') {
      continue;
    }
    if (depth > limit) {
      return true;
    }
    for (const child of Object.values(node)) {
      pending.push({ node: child, depth: depth + 1 });
    }
  }
  return false;
}
