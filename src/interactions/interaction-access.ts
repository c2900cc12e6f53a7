/**
 * The rules every write of an interaction applies, whichever table the record is in (live or
 * trashed): the site, who may change it, how it is versioned, and its audit event.
 */

import {
  userActor,
  type AuditAction,
  type AuditEvent,
  type FieldChanges,
  type RequestOrigin,
} from '../audit/audit-event';
import type { Principal } from '../auth/access/principal';
import { ApiError } from '../common/errors/api-error';
import { ErrorCode } from '../common/errors/error-code';
import { etagOf } from '../common/http/etag';
import type { InstantsAsText } from '../database/instants-as-text';
import { toInteractionDto, type InteractionDto } from './dto/interaction.dto';
import type { InteractionRow } from './read/interaction-row';

/** An interaction as the API returns it, with the ETag of that version. */
export interface VersionedInteraction {
  interaction: InteractionDto;
  etag: string;
}

/** A principal whose guard guaranteed a current site and a role on it. */
type SitePrincipal = Principal & { currentSiteId: number };

/** A record outside the current site is indistinguishable from a missing one. */
export function notFound(id: number): ApiError {
  return new ApiError(ErrorCode.NOT_FOUND, `Interaction ${id} not found`);
}

export function siteOf(principal: Principal): number {
  return (principal as SitePrincipal).currentSiteId;
}

/** Members change (delete, restore) only what they created; managers anything in their site. */
export function assertCanModify(principal: Principal, record: { createdBy: number }): void {
  if (principal.role === 'manager') {
    return;
  }
  if (principal.role === 'member' && record.createdBy === principal.userId) {
    return;
  }
  throw new ApiError(
    ErrorCode.FORBIDDEN,
    principal.role === 'member'
      ? 'Members may change only the interactions they created'
      : 'Your role on this site does not allow changes',
  );
}

/** The event of a change of `record` by the principal, in the principal's current site. */
export function interactionEvent(
  action: AuditAction,
  principal: Principal,
  origin: RequestOrigin,
  record: { id: string | number; version: number },
  changes?: FieldChanges,
): AuditEvent {
  return {
    action,
    actor: userActor(principal.userId),
    origin,
    siteId: siteOf(principal),
    target: { type: 'interaction', id: String(record.id) },
    version: record.version,
    changes,
  };
}

export function versioned(
  row: InteractionRow | InstantsAsText<InteractionRow>,
): VersionedInteraction {
  return { interaction: toInteractionDto(row), etag: etagOf(row.id, row.version) };
}
