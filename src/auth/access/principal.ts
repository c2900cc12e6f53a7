import type { SiteRole } from '../../sites/entities/site-membership.entity';

/** Who is calling, as the access guard established it from the token and the session row. */
export interface Principal {
  userId: number;
  sessionId: string;
  currentSiteId: number | null;
  /** Role on the current site; null when no site is selected or the membership is gone. */
  role: SiteRole | null;
  /**
   * False on a @SiteRead() route whose site and role were taken from this instance's memory of the
   * session: they are a hint until the read's own statement confirms them (see SiteReads). Only
   * SiteReads may run on such a principal; every other route gets a confirmed one.
   */
  sessionConfirmed: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** The Authorization header's outcome, resolved once per request (see PrincipalResolver). */
    principalLookup?: Promise<Principal>;
  }
}
