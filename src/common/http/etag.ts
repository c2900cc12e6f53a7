import { ApiError } from '../errors/api-error';
import { ErrorCode } from '../errors/error-code';

/** A strong validator that changes with every write of the record. */
export function etagOf(id: string | number, version: number): string {
  return `"${id}.${version}"`;
}

/**
 * If-Match (RFC 9110 §13.1.1): absent means no precondition; `*` matches any existing record;
 * otherwise one of the listed tags must equal the current one by strong comparison.
 */
export function assertIfMatch(ifMatch: string | undefined, currentEtag: string): void {
  if (ifMatch === undefined) {
    return;
  }
  const candidates = ifMatch.split(',').map((tag) => tag.trim());
  if (!candidates.includes('*') && !candidates.includes(currentEtag)) {
    throw new ApiError(
      ErrorCode.PRECONDITION_FAILED,
      'The record changed since you read it (If-Match does not match its ETag); read it again',
    );
  }
}

/** If-None-Match on a GET: true when the client's copy is current (answer 304). */
export function matchesIfNoneMatch(ifNoneMatch: string | undefined, currentEtag: string): boolean {
  if (ifNoneMatch === undefined) {
    return false;
  }
  const weakless = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || weakless(tag) === currentEtag);
}
