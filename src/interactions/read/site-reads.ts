import { Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { assertSiteRole } from '../../auth/access/access.guard';
import type { Principal } from '../../auth/access/principal';
import { isConnectionLoss } from '../../common/errors/connection-loss';
import { ReplicaSet } from '../../database/replicas/replica-set';
import { INSTANTS_AS_TEXT, type InstantsAsText } from '../../database/instants-as-text';
import { runStatement, type Statement, type StatementCancellation } from '../../database/statement';
import type { SiteRole } from '../../sites/entities/site-membership.entity';
import {
  PrincipalResolver,
  sessionContextQuery,
  sessionEnded,
  type SessionContextRow,
} from '../../auth/principal-resolver';

/** Instants stay text: the reads only format them (toIsoSeconds). */
const READ_OPTIONS = { types: INSTANTS_AS_TEXT };

/** The columns a session-checked read adds to each of its rows. */
interface SessionColumns {
  session_site_id: number | null;
  session_role: SiteRole | null;
  /** Null on the one row a read without rows still returns, to carry the session. */
  read_row: boolean | null;
}

/**
 * Runs the reads of @SiteRead() routes. The session lookup was a statement of its own before
 * every read, and each statement is a round trip that cost more CPU than the rest of a request
 * (issue 8). Here the lookup rides in the read's statement: the read runs for the site this
 * instance remembers for the session, and returns only if the session, looked up in the same
 * statement, is live and still on that site with a role. Logout and revocation stay immediate
 * (DESIGN.md §5): nothing about the session is trusted that the statement did not read.
 */
@Injectable()
export class SiteReads {
  constructor(
    private readonly dataSource: DataSource,
    private readonly principals: PrincipalResolver,
    private readonly replicas: ReplicaSet,
  ) {}

  /**
   * The rows `read` returns for the principal's current site, its timestamps as text: from a
   * replica when ReplicaSet offers one for the session, else (or when the replica fails, or has
   * no such session yet: a login it has not replayed) from the primary.
   */
  rows<T>(
    principal: Principal,
    read: (siteId: number) => Statement,
    cancellation?: StatementCancellation,
  ): Promise<Array<InstantsAsText<T>>> {
    // Without replicas, no detour: this is the path of every read (and its cost per request).
    return this.replicas.enabled
      ? this.rowsPreferringReplica<T>(principal, read, cancellation)
      : this.rowsOnPrimary<T>(principal, read, cancellation);
  }

  private async rowsPreferringReplica<T>(
    principal: Principal,
    read: (siteId: number) => Statement,
    cancellation: StatementCancellation | undefined,
  ): Promise<Array<InstantsAsText<T>>> {
    const replica = await this.replicas.replicaFor(principal.sessionId);
    if (replica !== undefined) {
      try {
        const rows = await this.rowsOn<T>(replica.pool, principal, read, cancellation);
        if (rows !== undefined) {
          this.replicas.served.replica += 1;
          return rows;
        }
      } catch (error) {
        if (!replicaFailed(error)) {
          throw error;
        }
        this.replicas.markDown(replica);
      }
    }
    return this.rowsOnPrimary<T>(principal, read, cancellation);
  }

  private rowsOnPrimary<T>(
    principal: Principal,
    read: (siteId: number) => Statement,
    cancellation: StatementCancellation | undefined,
  ): Promise<Array<InstantsAsText<T>>> {
    this.replicas.served.primary += 1;
    return this.rowsOn<T>(undefined, principal, read, cancellation) as Promise<
      Array<InstantsAsText<T>>
    >;
  }

  /**
   * The read on `pool`, or on the primary when it is undefined. A session that is not live ends
   * the request (401) on the primary; on a replica the result is undefined, for the primary to
   * decide (the replica may not have replayed the login yet).
   */
  private async rowsOn<T>(
    pool: Pool | undefined,
    principal: Principal,
    read: (siteId: number) => Statement,
    cancellation: StatementCancellation | undefined,
  ): Promise<Array<InstantsAsText<T>> | undefined> {
    const options = { ...READ_OPTIONS, cancellation, pool };
    if (principal.sessionConfirmed) {
      return runStatement<Array<InstantsAsText<T>>>(
        this.dataSource,
        read(siteOf(principal)),
        options,
      );
    }
    const hintedSiteId = siteOf(principal);
    const rows = await runStatement<Array<InstantsAsText<T> & SessionColumns>>(
      this.dataSource,
      withSessionCheck(read(hintedSiteId), principal, hintedSiteId),
      options,
    );
    if (rows.length === 0) {
      if (pool !== undefined) {
        return undefined;
      }
      this.principals.forget(principal.sessionId);
      throw sessionEnded();
    }
    const session: SessionContextRow = {
      current_site_id: rows[0].session_site_id,
      role: rows[0].session_role,
    };
    const confirmed = this.principals.confirmed(principal, session);
    Object.assign(principal, confirmed);
    if (confirmed.currentSiteId === hintedSiteId && confirmed.role !== null) {
      return rows.filter((row) => row.read_row !== null);
    }
    // The session moved to another site (POST /auth/site, perhaps on another instance) or lost
    // its membership since this instance last saw it: refuse as the guard would, or read again.
    assertSiteRole(confirmed.currentSiteId, confirmed.role, 'viewer');
    return runStatement<Array<InstantsAsText<T>>>(
      this.dataSource,
      read(siteOf(confirmed)),
      options,
    );
  }
}

/**
 * A replica that lost its connection, or cancelled the read for a conflict with the WAL it
 * replays (40001): the primary can answer. A statement timeout (57014) is not retried there: the
 * read would cost the primary as much.
 */
function replicaFailed(error: unknown): boolean {
  const code = (error as { driverError?: { code?: unknown } }).driverError?.code;
  return code === '40001' || (code !== '57014' && isConnectionLoss(error));
}

function siteOf(principal: Principal): number {
  if (principal.currentSiteId === null) {
    throw new Error('SiteReads used on a route without a site role');
  }
  return principal.currentSiteId;
}

/**
 * `read` joined to the session lookup: no row when the session is over; one row per read row
 * (or one with `read_row` null) otherwise, each carrying the session's site and role. The read
 * yields rows only when the session is on `siteId` with a role. The join condition refers to the
 * session alone, so PostgreSQL can only nest the read inside it and never runs the read for a
 * session that is over.
 */
export function withSessionCheck(read: Statement, principal: Principal, siteId: number): Statement {
  const values = [...read.values, siteId, principal.sessionId, principal.userId];
  if (read.name === undefined) {
    return { text: sessionCheckedText(read), values };
  }
  // A name stands for one text (PostgreSQL requires it), so the wrapped text is made once.
  const name = `${read.name}_session_checked`;
  let checked = checkedTexts.get(name);
  if (checked === undefined) {
    checked = { source: read.text, text: sessionCheckedText(read) };
    checkedTexts.set(name, checked);
  } else if (checked.source !== read.text) {
    throw new Error(`Statement ${read.name} was given two different texts`);
  }
  return { name, text: checked.text, values };
}

/** Wrapped texts of named reads, by name, with the text each wraps. */
const checkedTexts = new Map<string, { source: string; text: string }>();

function sessionCheckedText(read: Statement): string {
  const next = read.values.length + 1;
  const order = (read.rowOrder ?? []).map((key) => {
    if (key.output.includes('"') || (key.direction !== 'ASC' && key.direction !== 'DESC')) {
      throw new Error(`Unsafe row order ${key.output} ${key.direction}`);
    }
    return `"read"."${key.output}" ${key.direction}`;
  });
  return (
    `SELECT "session"."current_site_id" AS "session_site_id", "session"."role" AS "session_role", "read".* ` +
    `FROM (${sessionContextQuery(next + 1)}) AS "session" ` +
    `LEFT JOIN (SELECT true AS "read_row", "q".* FROM (${read.text}) AS "q") AS "read" ` +
    `ON "session"."current_site_id" = $${next} AND "session"."role" IS NOT NULL` +
    (order.length > 0 ? ` ORDER BY ${order.join(', ')}` : '')
  );
}
