import { QueryFailedError, TypeORMError } from 'typeorm';

/**
 * Errors that mean "the database is not there right now" (DESIGN.md §4: 503), recognised by what
 * they are rather than by which class raised them, so a new wrapper or a new driver path is
 * covered too:
 * - a SQLSTATE of class 08 (connection exception) or 57P0x (the server is shutting down,
 *   crashed, is starting, or the database is gone), too many connections (53300), a statement
 *   cancelled by DB_STATEMENT_TIMEOUT (57014: overload, or a lock held too long) or one that
 *   waited for a lock past DB_LOCK_TIMEOUT (55P03);
 * - a socket or name-resolution error of the client (`ECONNRESET`, `EPIPE`, …);
 * - a TypeORM query runner that was released under the caller because its connection died
 *   (QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError, …);
 * - pg and pg-pool errors that carry no code at all (matched on their fixed wording: there is
 *   nothing else to go by).
 * The error, its `driverError` (TypeORM) and its `cause` chain are all looked at.
 */
export function isConnectionLoss(error: unknown): boolean {
  for (const candidate of wrappedErrors(error)) {
    const code = (candidate as { code?: unknown }).code;
    if (typeof code === 'string' && isConnectionLossCode(code)) {
      return true;
    }
    if (candidate instanceof TypeORMError && /AlreadyReleased/.test(candidate.name)) {
      return true;
    }
    if (
      candidate instanceof Error &&
      PG_CONNECTION_LOST.some((text) => candidate.message.startsWith(text))
    ) {
      return true;
    }
  }
  return false;
}

const SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

function isConnectionLossCode(code: string): boolean {
  return (
    SOCKET_ERRORS.has(code) ||
    code.startsWith('08') ||
    code.startsWith('57P0') ||
    code === '53300' ||
    code === '57014' ||
    code === '55P03'
  );
}

const PG_CONNECTION_LOST = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end on the pool',
];

function* wrappedErrors(error: unknown): Generator<object> {
  const seen = new Set<unknown>();
  let current = error;
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current);
    yield current;
    current =
      current instanceof QueryFailedError
        ? (current.driverError as unknown)
        : (current as { cause?: unknown }).cause;
  }
}
