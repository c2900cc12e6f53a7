import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Principal } from '../auth/access/principal';
import { ApiError } from '../common/errors/api-error';
import { ErrorCode } from '../common/errors/error-code';
import { assertIfMatch, etagOf } from '../common/http/etag';
import type { InstantsAsText } from '../database/instants-as-text';
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

/** An interaction as the API returns it, with the ETag of that version. */
export interface VersionedInteraction {
  interaction: InteractionDto;
  etag: string;
}

export interface CreatedInteraction extends VersionedInteraction {
  replayed: boolean;
}

/** A principal whose guard guaranteed a current site and a role on it. */
type SitePrincipal = Principal & { currentSiteId: number };

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
    idempotencyKey?: string,
  ): Promise<CreatedInteraction> {
    const fields = this.rules.fromInput(input);
    const insert = async (manager: EntityManager): Promise<StoredResponse> => {
      const created = await this.insert(manager, principal, fields);
      return { status: 201, body: { interaction: created.interaction }, etag: created.etag };
    };
    if (idempotencyKey === undefined) {
      return { ...(await this.insert(this.dataSource, principal, fields)), replayed: false };
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
    ifMatch?: string,
  ): Promise<VersionedInteraction> {
    return this.modify(principal, id, ifMatch, () => this.rules.fromInput(input));
  }

  patch(
    principal: Principal,
    id: number,
    patch: InteractionPatchDto,
    ifMatch?: string,
  ): Promise<VersionedInteraction> {
    return this.modify(principal, id, ifMatch, (current) => this.rules.fromPatch(patch, current));
  }

  async remove(principal: Principal, id: number, ifMatch?: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const current = await this.findInSite(manager, principal, id, { lock: true });
      assertCanModify(principal, current);
      assertIfMatch(ifMatch, etagOf(current.id, current.version));
      await manager.delete(Interaction, { id: current.id });
    });
  }

  /**
   * Read-check-write under a row lock, so the If-Match comparison and the write see the same
   * version and a PATCH merges onto the version it checked.
   */
  private async modify(
    principal: Principal,
    id: number,
    ifMatch: string | undefined,
    resolveFields: (current: Interaction) => InteractionFields,
  ): Promise<VersionedInteraction> {
    return this.dataSource.transaction(async (manager) => {
      const current = await this.findInSite(manager, principal, id, { lock: true });
      assertCanModify(principal, current);
      assertIfMatch(ifMatch, etagOf(current.id, current.version));
      const fields = resolveFields(current);
      if (unchanged(current, fields)) {
        return versioned(current);
      }
      await manager.update(
        Interaction,
        { id: current.id },
        { ...fields, version: () => 'version + 1' },
      );
      return versioned(await manager.findOneByOrFail(Interaction, { id: current.id }));
    });
  }

  private async insert(
    database: DataSource | EntityManager,
    principal: Principal,
    fields: InteractionFields,
  ): Promise<VersionedInteraction> {
    const [row] = await runStatement<InteractionRow[]>(
      database,
      insertStatement({ ...fields, siteId: siteOf(principal), createdBy: principal.userId }),
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

function notFound(id: number): ApiError {
  return new ApiError(ErrorCode.NOT_FOUND, `Interaction ${id} not found`);
}

function siteOf(principal: Principal): number {
  return (principal as SitePrincipal).currentSiteId;
}

/** Members change only what they created; managers change anything in their site. */
function assertCanModify(principal: Principal, record: Interaction): void {
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

function unchanged(current: Interaction, fields: InteractionFields): boolean {
  return (Object.keys(fields) as Array<keyof InteractionFields>).every((field) => {
    const before = current[field];
    const after = fields[field];
    return before instanceof Date && after instanceof Date
      ? before.getTime() === after.getTime()
      : before === after;
  });
}

function versioned(row: InteractionRow | InstantsAsText<InteractionRow>): VersionedInteraction {
  return { interaction: toInteractionDto(row), etag: etagOf(row.id, row.version) };
}
