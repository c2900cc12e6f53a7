import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Principal } from '../auth/access/principal';
import { assertIfMatch, etagOf } from '../common/http/etag';
import { toIsoSeconds } from '../common/http/iso-time';
import { IdempotencyService, type StoredResponse } from './idempotency.service';
import { pageInfo, toPageRequest } from '../common/pagination/page-query.dto';
import { runStatement, type StatementCancellation } from '../database/statement';
import {
  toInteractionDto,
  type InteractionDto,
  type InteractionListResponseDto,
} from './dto/interaction.dto';
import type { InteractionInputDto, InteractionPatchDto } from './dto/interaction-input.dto';
import type { ListInteractionsQueryDto } from './dto/list-interactions-query.dto';
import { Interaction } from './entities/interaction.entity';
import { InteractionFieldRules, type InteractionFields } from './interaction-fields';
import { insertStatement } from './interaction-insert';
import { textSearchPage, type InteractionRow } from './read/interaction-sql';
import { InteractionReads } from './read/interaction-reads';
import { COLUMN_PROPERTIES } from './read/interaction-row';
import { moveToTrashStatement } from './trash/trash-sql';
import {
  assertCanModify,
  interactionEvent,
  notFound,
  siteOf,
  versioned,
  type VersionedInteraction,
} from './interaction-access';
import {
  appendAuditEvents,
  userActor,
  type FieldChanges,
  type RequestOrigin,
} from '../audit/audit-event';

export type { VersionedInteraction };

export interface CreatedInteraction extends VersionedInteraction {
  replayed: boolean;
}

@Injectable()
export class InteractionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly rules: InteractionFieldRules,
    private readonly idempotency: IdempotencyService,
    private readonly reads: InteractionReads,
  ) {}

  async list(
    principal: Principal,
    query: ListInteractionsQueryDto,
    clientGone?: StatementCancellation,
  ): Promise<InteractionListResponseDto> {
    const page = toPageRequest(query);
    const { search } = query;
    const scope = { endpoint: 'GET /interactions', filters: { search: search ?? null } };
    const read =
      search === undefined
        ? await this.reads.list(principal, page, scope, clientGone)
        : await this.reads.page(
            principal,
            page,
            scope,
            (siteId, position) => textSearchPage(siteId, { ...position, search }),
            clientGone,
          );
    return { interactions: read.rows.map(toInteractionDto), ...pageInfo(page, read) };
  }

  /** A record outside the current site is indistinguishable from a missing one. */
  async get(
    principal: Principal,
    id: number,
    clientGone?: StatementCancellation,
  ): Promise<VersionedInteraction> {
    const row = await this.reads.get(principal, id, clientGone);
    if (!row) {
      throw notFound(id);
    }
    return versioned(row);
  }

  async create(
    principal: Principal,
    input: InteractionInputDto,
    origin: RequestOrigin,
    idempotencyKey?: string,
  ): Promise<CreatedInteraction> {
    const fields = this.rules.fromInput(input);
    const insert = async (manager: EntityManager): Promise<StoredResponse> => {
      const created = await this.insert(manager, principal, fields, origin);
      return { status: 201, body: { interaction: created.interaction }, etag: created.etag };
    };
    if (idempotencyKey === undefined) {
      return {
        ...(await this.insert(this.dataSource, principal, fields, origin)),
        replayed: false,
      };
    }
    const fingerprint = IdempotencyService.fingerprint({ site_id: siteOf(principal), body: input });
    const outcome = await this.idempotency.execute(
      principal.userId,
      idempotencyKey,
      fingerprint,
      insert,
    );
    const body = outcome.response.body as { interaction: InteractionDto };
    return {
      interaction: body.interaction,
      etag: outcome.response.etag ?? '',
      replayed: outcome.replayed,
    };
  }

  replace(
    principal: Principal,
    id: number,
    input: InteractionInputDto,
    origin: RequestOrigin,
    ifMatch?: string,
  ): Promise<VersionedInteraction> {
    return this.modify(principal, id, origin, ifMatch, () => this.rules.fromInput(input));
  }

  patch(
    principal: Principal,
    id: number,
    patch: InteractionPatchDto,
    origin: RequestOrigin,
    ifMatch?: string,
  ): Promise<VersionedInteraction> {
    return this.modify(principal, id, origin, ifMatch, (current) =>
      this.rules.fromPatch(patch, current),
    );
  }

  /** Moves the interaction to the trash (DESIGN.md §10), whence it can be restored. */
  async remove(
    principal: Principal,
    id: number,
    origin: RequestOrigin,
    ifMatch?: string,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const current = await this.findInSite(manager, principal, id, { lock: true });
      assertCanModify(principal, current);
      assertIfMatch(ifMatch, etagOf(current.id, current.version));
      await runStatement(
        manager,
        moveToTrashStatement(siteOf(principal), current.id, principal.userId),
      );
      await appendAuditEvents(manager, [
        interactionEvent('interaction.deleted', principal, origin, current),
      ]);
    });
  }

  /**
   * Read-check-write under a row lock, so the If-Match comparison and the write see the same
   * version and a PATCH merges onto the version it checked.
   */
  private async modify(
    principal: Principal,
    id: number,
    origin: RequestOrigin,
    ifMatch: string | undefined,
    resolveFields: (current: Interaction) => InteractionFields,
  ): Promise<VersionedInteraction> {
    return this.dataSource.transaction(async (manager) => {
      const current = await this.findInSite(manager, principal, id, { lock: true });
      assertCanModify(principal, current);
      assertIfMatch(ifMatch, etagOf(current.id, current.version));
      const fields = resolveFields(current);
      const changes = changesOf(current, fields);
      if (Object.keys(changes).length === 0) {
        return versioned(current);
      }
      await manager.update(
        Interaction,
        { id: current.id },
        { ...fields, version: () => 'version + 1' },
      );
      const updated = await manager.findOneByOrFail(Interaction, { id: current.id });
      await appendAuditEvents(manager, [
        interactionEvent('interaction.updated', principal, origin, updated, changes),
      ]);
      return versioned(updated);
    });
  }

  private async insert(
    database: DataSource | EntityManager,
    principal: Principal,
    fields: InteractionFields,
    origin: RequestOrigin,
  ): Promise<VersionedInteraction> {
    const [row] = await runStatement<InteractionRow[]>(
      database,
      insertStatement(
        { ...fields, siteId: siteOf(principal), createdBy: principal.userId },
        userActor(principal.userId),
        origin,
      ),
    );
    return versioned(row);
  }

  /** A record outside the current site is indistinguishable from a missing one. */
  private async findInSite(
    manager: EntityManager,
    principal: Principal,
    id: number,
    options: { lock?: boolean } = {},
  ): Promise<Interaction> {
    const found = await manager.findOne(Interaction, {
      where: { id: String(id), siteId: siteOf(principal) },
      lock: options.lock ? { mode: 'pessimistic_write' } : undefined,
    });
    if (!found) {
      throw notFound(id);
    }
    return found;
  }
}

function sameValue(before: unknown, after: unknown): boolean {
  return before instanceof Date && after instanceof Date
    ? before.getTime() === after.getTime()
    : before === after;
}

const API_NAME = new Map<string, string>(
  COLUMN_PROPERTIES.map(([column, property]) => [property, column]),
);

/** The fields an update changes, by API name, with their values before and after. */
function changesOf(current: Interaction, fields: InteractionFields): FieldChanges {
  const changes: FieldChanges = {};
  for (const field of Object.keys(fields) as Array<keyof InteractionFields>) {
    if (!sameValue(current[field], fields[field])) {
      changes[API_NAME.get(field) ?? field] = [wireValue(current[field]), wireValue(fields[field])];
    }
  }
  return changes;
}

function wireValue(value: unknown): unknown {
  return value instanceof Date ? toIsoSeconds(value) : value;
}
