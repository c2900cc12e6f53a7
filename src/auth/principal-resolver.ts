import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import type { Principal } from './access/principal';
import { ApiError } from '../common/errors/api-error';
import { ErrorCode } from '../common/errors/error-code';
import { runStatement, type Statement } from '../database/statement';
import type { SiteRole } from '../sites/entities/site-membership.entity';
import { TokenService, type AccessClaims } from './token.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Tokens whose signature was checked, kept until they expire; the oldest go first beyond this. */
const VERIFIED_TOKENS_KEPT = 2_000;
/** Sessions whose site this instance remembers as a hint; the oldest go first beyond this. */
const SITE_HINTS_KEPT = 10_000;

/** What a verified access token says about its caller. */
export interface TokenSubject {
  userId: number;
  sessionId: string;
}

/** The live session's site context, or no row when the session is over or its user disabled. */
export interface SessionContextRow {
  current_site_id: number | null;
  role: SiteRole | null;
}

/**
 * The session lookup as a subquery over `$<sessionParam>` (session id) and `$<sessionParam + 1>`
 * (user id): the guard runs it alone, SiteReads inside a read's statement.
 */
export function sessionContextQuery(sessionParam: number): string {
  return `SELECT s.current_site_id, m.role
         FROM sessions s
         JOIN users u ON u.id = s.user_id AND u.disabled_at IS NULL
         LEFT JOIN site_memberships m ON m.user_id = s.user_id AND m.site_id = s.current_site_id
        WHERE s.id = $${sessionParam} AND s.user_id = $${sessionParam + 1} AND s.revoked_at IS NULL AND s.expires_at > now()`;
}

const SESSION_CONTEXT: Statement = {
  // Prepared once per connection: it runs before every authenticated request but the site reads
  // of sessions this instance has seen.
  name: 'principal_session',
  text: sessionContextQuery(1),
  values: [],
};

export function sessionEnded(): ApiError {
  return new ApiError(ErrorCode.UNAUTHORIZED, 'Session has ended; log in again');
}

/** Turns an Authorization header into a Principal: a valid token AND a live session. */
@Injectable()
export class PrincipalResolver {
  /**
   * A client sends the same access token with every request, and its RS256 verification was the
   * largest CPU cost of an authenticated read after the SQL round trips. The subject of an
   * Authorization header whose token passed verification is kept (keyed by the whole header,
   * signature included) until the token's `exp`, checked as jsonwebtoken checks it. Only the
   * parsing and the signature check are saved: the session, and so logout and revocation, is
   * still read on every request.
   */
  private readonly verifiedHeaders = new Map<string, { subject: TokenSubject; exp: number }>();
  /**
   * The site and role each session had when this instance last read it. Never trusted on its
   * own: a @SiteRead() route reads with it and the same statement checks it (SiteReads), so a
   * stale hint costs a second statement, never a wrong answer.
   */
  private readonly siteHints = new Map<string, { siteId: number; role: SiteRole }>();

  constructor(
    private readonly tokens: TokenService,
    private readonly dataSource: DataSource,
  ) {}

  /** The request's principal from its token and its session row, resolved once per request. */
  forRequest(request: FastifyRequest): Promise<Principal> {
    request.principalLookup ??= this.fromAuthorization(request.headers.authorization);
    return request.principalLookup;
  }

  /**
   * For a @SiteRead() route: the principal with the remembered site of its session, left for the
   * read to confirm, so the request costs one statement; without a hint, a confirmed one.
   */
  forSiteRead(request: FastifyRequest): Promise<Principal> {
    const subject = this.subjectOf(request.headers.authorization);
    const hint = this.siteHints.get(subject.sessionId);
    if (!hint) {
      return this.forRequest(request);
    }
    // Not memoised as the request's lookup: forRequest must never hand out an unconfirmed one.
    return Promise.resolve({
      ...subject,
      currentSiteId: hint.siteId,
      role: hint.role,
      sessionConfirmed: false,
    });
  }

  async fromAuthorization(header: string | undefined): Promise<Principal> {
    const subject = this.subjectOf(header);
    const rows = await runStatement<SessionContextRow[]>(this.dataSource, {
      ...SESSION_CONTEXT,
      values: [subject.sessionId, subject.userId],
    });
    if (rows.length === 0) {
      this.siteHints.delete(subject.sessionId);
      throw sessionEnded();
    }
    return this.confirmed(subject, rows[0]);
  }

  /** The caller a valid access token names, without asking the database; 401 otherwise. */
  subjectOf(header: string | undefined): TokenSubject {
    const known = header === undefined ? undefined : this.verifiedHeaders.get(header);
    if (known && Math.floor(Date.now() / 1000) < known.exp) {
      return known.subject;
    }
    const match = /^Bearer ([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)$/.exec(header ?? '');
    if (!match) {
      throw new ApiError(ErrorCode.UNAUTHORIZED, 'Authentication required');
    }
    let claims: AccessClaims;
    try {
      claims = this.tokens.verifyAccessToken(match[1]);
    } catch {
      throw new ApiError(ErrorCode.UNAUTHORIZED, 'Access token is invalid or expired');
    }
    if (!UUID.test(claims.sid)) {
      throw new ApiError(ErrorCode.UNAUTHORIZED, 'Access token is invalid or expired');
    }
    const subject: TokenSubject = Object.freeze({
      userId: Number(claims.sub),
      sessionId: claims.sid,
    });
    if (typeof claims.exp === 'number') {
      this.verifiedHeaders.delete(match[0]);
      if (this.verifiedHeaders.size >= VERIFIED_TOKENS_KEPT) {
        this.verifiedHeaders.delete(this.verifiedHeaders.keys().next().value!);
      }
      this.verifiedHeaders.set(match[0], { subject, exp: claims.exp });
    }
    return subject;
  }

  /** The principal a session row read just now describes; remembered as the session's hint. */
  confirmed(subject: TokenSubject, session: SessionContextRow): Principal {
    const currentSiteId = session.role === null ? null : session.current_site_id;
    if (currentSiteId === null || session.role === null) {
      this.siteHints.delete(subject.sessionId);
    } else {
      this.rememberSite(subject.sessionId, currentSiteId, session.role);
    }
    return { ...subject, currentSiteId, role: session.role, sessionConfirmed: true };
  }

  /** A session found over (by a read that checked it): no hint survives it. */
  forget(sessionId: string): void {
    this.siteHints.delete(sessionId);
  }

  private rememberSite(sessionId: string, siteId: number, role: SiteRole): void {
    const known = this.siteHints.get(sessionId);
    if (known?.siteId === siteId && known.role === role) {
      return;
    }
    this.siteHints.delete(sessionId);
    if (this.siteHints.size >= SITE_HINTS_KEPT) {
      this.siteHints.delete(this.siteHints.keys().next().value!);
    }
    this.siteHints.set(sessionId, { siteId, role });
  }
}
