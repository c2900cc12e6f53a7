import {
  createHash,
  createHmac,
  createSecretKey,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JWT_KEYS } from '../../auth/auth.constants';
import type { JwtKeys } from '../../auth/jwt-keys';
import { ApiError } from '../../common/errors/api-error';
import { ErrorCode } from '../../common/errors/error-code';
import { sortKeys } from '../../common/json/sort-keys';

/**
 * What a cursor is bound to (DESIGN.md §7): the endpoint, and everything that decides its rows
 * and their order (filters, search term, range, sort). The page size is not part of it.
 */
export interface CursorScope {
  endpoint: string;
  filters: unknown;
}

/** Where a cursor page starts: after the row whose order keys are `after`, in `siteId`. */
export interface CursorPosition {
  siteId: number;
  after: unknown[];
}

interface CursorPayload {
  /** The scope's digest. */
  s: string;
  /** The site. */
  t: number;
  /** The order keys of the last row read. */
  k: unknown[];
}

/**
 * Opaque, tamper-evident page cursors: `<payload>.<signature>`, both base64url, the signature an
 * HMAC-SHA-256 of the payload under a key derived from the JWT signing key, which every instance
 * shares. A cursor presented to another endpoint, with other filters or order, or altered in any
 * byte is 400 BAD_REQUEST; its site is checked against the session's by the read itself
 * (InteractionReads). Cursors of a retired signing key stop working after a key rotation: the
 * client starts again from page 1.
 */
@Injectable()
export class PageCursors {
  /** A KeyObject, not bytes: createHmac then skips importing the key on every page. */
  private readonly key: KeyObject;
  /** Scope digests by the scope's JSON: most pages repeat a scope (the plain list above all). */
  private readonly digests = new Map<string, string>();

  constructor(@Inject(JWT_KEYS) keys: JwtKeys) {
    this.key = createSecretKey(
      createHash('sha256').update('page-cursor-v1\n').update(keys.privateKey).digest(),
    );
  }

  encode(scope: CursorScope, position: CursorPosition): string {
    const payload: CursorPayload = {
      s: this.digestOf(scope),
      t: position.siteId,
      k: position.after,
    };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.sign(body).toString('base64url')}`;
  }

  decode(cursor: string, scope: CursorScope): CursorPosition {
    const [body, signature, extra] = cursor.split('.');
    if (
      extra !== undefined ||
      !body ||
      !signature ||
      !equalBytes(Buffer.from(signature, 'base64url'), this.sign(body))
    ) {
      throw invalidCursor('is not a cursor this API issued, or was altered');
    }
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as CursorPayload;
    if (payload.s !== this.digestOf(scope)) {
      throw invalidCursor('belongs to another endpoint, filter or order; start again without it');
    }
    return { siteId: payload.t, after: payload.k };
  }

  /**
   * Where the page of `cursor` starts, for a read whose site is known before it runs: the sort
   * keys after which it reads, or undefined without a cursor; 400 for a cursor of another site.
   */
  afterIn(cursor: string | undefined, scope: CursorScope, siteId: number): unknown[] | undefined {
    if (cursor === undefined) {
      return undefined;
    }
    const position = this.decode(cursor, scope);
    if (position.siteId !== siteId) {
      throw invalidCursor('belongs to another site');
    }
    return position.after;
  }

  private sign(body: string): Buffer {
    return createHmac('sha256', this.key).update(body).digest();
  }

  private digestOf(scope: CursorScope): string {
    const json = JSON.stringify(
      sortKeys({ endpoint: scope.endpoint, filters: scope.filters ?? null }),
    );
    let digest = this.digests.get(json);
    if (digest === undefined) {
      digest = createHash('sha256').update(json).digest('base64url').slice(0, 22);
      // An advanced search's filters can be 100 KiB: only small scopes are kept.
      if (json.length <= MAX_KEPT_SCOPE_LENGTH) {
        if (this.digests.size >= DIGESTS_KEPT) {
          this.digests.delete(this.digests.keys().next().value!);
        }
        this.digests.set(json, digest);
      }
    }
    return digest;
  }
}

const DIGESTS_KEPT = 1_000;
const MAX_KEPT_SCOPE_LENGTH = 1_024;

export function invalidCursor(reason: string): ApiError {
  return new ApiError(ErrorCode.BAD_REQUEST, `cursor ${reason}`, { cursor: reason });
}

function equalBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
