import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import type { Principal } from '../common/auth/principal';
import { ApiError } from '../common/errors/api-error';
import { ErrorCode } from '../common/errors/error-code';
import { runStatement } from '../database/statement';
import type { SiteRole } from '../sites/entities/site-membership.entity';
import { TokenService, type AccessClaims } from './token.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Tokens whose signature was checked, kept until they expire; the oldest go first beyond this. */
const VERIFIED_TOKENS_KEPT = 2_000;

interface SessionContextRow {
  current_site_id: number | null;
  role: SiteRole | null;
}

/** Turns an Authorization header into a Principal: a valid token AND a live session. */
@Injectable()
export class PrincipalResolver {
  /**
   * A client sends the same access token with every request, and its RS256 verification was the
   * largest CPU cost of an authenticated read after the SQL round trips. The claims of a token
   * that passed verification are kept (keyed by the whole token, signature included) until its
   * `exp`, checked as jsonwebtoken checks it. Only the signature check is saved: the session,
   * and so logout and revocation, is still read on every request.
   */
  private readonly verifiedTokens = new Map<string, AccessClaims>();

  constructor(
    private readonly tokens: TokenService,
    private readonly dataSource: DataSource,
  ) {}

  /**
   * The request's principal, resolved once: the rate-limit guard asks first (to key the request by
   * user), the access guard reuses the same promise instead of checking the token twice.
   */
  forRequest(request: FastifyRequest): Promise<Principal> {
    request.principalLookup ??= this.fromAuthorization(request.headers.authorization);
    return request.principalLookup;
  }

  async fromAuthorization(header: string | undefined): Promise<Principal> {
    const match = /^Bearer ([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)$/.exec(header ?? '');
    if (!match) {
      throw new ApiError(ErrorCode.UNAUTHORIZED, 'Authentication required');
    }
    let claims: { sub: string; sid: string };
    try {
      claims = this.verified(match[1]);
    } catch {
      throw new ApiError(ErrorCode.UNAUTHORIZED, 'Access token is invalid or expired');
    }
    if (!UUID.test(claims.sid)) {
      throw new ApiError(ErrorCode.UNAUTHORIZED, 'Access token is invalid or expired');
    }
    const userId = Number(claims.sub);
    const rows = await runStatement<SessionContextRow[]>(this.dataSource, {
      // Prepared once per connection: it runs before every authenticated request.
      name: 'principal_session',
      text: `SELECT s.current_site_id, m.role
         FROM sessions s
         JOIN users u ON u.id = s.user_id AND u.disabled_at IS NULL
         LEFT JOIN site_memberships m ON m.user_id = s.user_id AND m.site_id = s.current_site_id
        WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > now()`,
      values: [claims.sid, userId],
    });
    if (rows.length === 0) {
      throw new ApiError(ErrorCode.UNAUTHORIZED, 'Session has ended; log in again');
    }
    const [session] = rows;
    return {
      userId,
      sessionId: claims.sid,
      currentSiteId: session.role === null ? null : session.current_site_id,
      role: session.role,
    };
  }

  /** `TokenService.verifyAccessToken`, once per token until it expires. */
  private verified(token: string): AccessClaims {
    const now = Math.floor(Date.now() / 1000);
    const known = this.verifiedTokens.get(token);
    if (known && now < known.exp) {
      return known;
    }
    this.verifiedTokens.delete(token);
    const claims = this.tokens.verifyAccessToken(token);
    if (typeof claims.exp === 'number') {
      if (this.verifiedTokens.size >= VERIFIED_TOKENS_KEPT) {
        this.verifiedTokens.delete(this.verifiedTokens.keys().next().value!);
      }
      this.verifiedTokens.set(token, claims);
    }
    return claims;
  }
}
