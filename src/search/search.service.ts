import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import type { Repository, SelectQueryBuilder } from 'typeorm';
import type { Principal } from '../common/auth/principal';
import { ApiError } from '../common/errors/api-error';
import { ErrorCode } from '../common/errors/error-code';
import {
  pageInfo,
  toPageRequest,
  type PageQueryDto,
  type PageRequest,
} from '../common/pagination/page-query.dto';
import { toInteractionDto } from '../interactions/dto/interaction.dto';
import { Interaction } from '../interactions/entities/interaction.entity';
import { InteractionFieldRules } from '../interactions/interaction-fields';
import { canonicalTimeZone, parseInstant } from '../interactions/interaction-time';
import { escapeLike, whereTextMatches } from '../interactions/text-search';
import type { AdvancedSearchDto } from './dto/advanced-search.dto';
import type { DateRangeQueryDto, TextSearchQueryDto } from './dto/search-query.dto';
import type { InteractionWindowDto, SearchResultsDto } from './dto/search-results.dto';
import { FilterCompiler } from './filter-compiler';

const ALIAS = 'interaction';
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DEFAULT_WINDOW = 10;

/** Every search of DESIGN.md §7, always inside the caller's current site. */
@Injectable()
export class SearchService {
  constructor(
    @InjectRepository(Interaction) private readonly interactions: Repository<Interaction>,
    private readonly fieldRules: InteractionFieldRules,
  ) {}

  text(principal: Principal, query: TextSearchQueryDto): Promise<SearchResultsDto> {
    const builder = whereTextMatches(this.inSite(principal), ALIAS, query.query);
    return this.page(newestFirst(builder), toPageRequest(query));
  }

  advanced(principal: Principal, body: AdvancedSearchDto): Promise<SearchResultsDto> {
    if (body.size !== undefined && body.page_size !== undefined && body.size !== body.page_size) {
      throw new ApiError(ErrorCode.VALIDATION_ERROR, 'Advanced search failed validation', {
        page_size: 'is an alias of size; give one of them',
      });
    }
    const compiled = FilterCompiler.compile(body.filters, body.sort, ALIAS);
    const builder = this.inSite(principal);
    if (compiled.filters.where) {
      builder.andWhere(`(${compiled.filters.where})`, compiled.filters.params);
    }
    compiled.sort.forEach((key, index) =>
      index === 0
        ? builder.orderBy(`${ALIAS}.${key.property}`, key.direction)
        : builder.addOrderBy(`${ALIAS}.${key.property}`, key.direction),
    );
    return this.page(
      builder,
      toPageRequest({ page: body.page, page_size: body.size ?? body.page_size }),
    );
  }

  /** Interactions overlapping [start, end): those that start before its end and end after its start. */
  dateRange(principal: Principal, query: DateRangeQueryDto): Promise<SearchResultsDto> {
    const { from, until } = resolveRange(query);
    // The && test matches interactions_site_period_idx; the second condition drops those that only
    // touch the range's start (end exactly at `from`) unless they are instants inside it.
    const builder = this.inSite(principal)
      .andWhere(
        `tstzrange(${ALIAS}.start_datetime, ${ALIAS}.end_datetime, '[]') && tstzrange(:from, :until, '[)')`,
        { from, until },
      )
      .andWhere(`(${ALIAS}.endDatetime > :from OR ${ALIAS}.startDatetime >= :from)`)
      .orderBy(`${ALIAS}.startDatetime`, 'ASC')
      .addOrderBy(`${ALIAS}.id`, 'ASC');
    return this.page(builder, toPageRequest(query));
  }

  byType(principal: Principal, type: string, query: PageQueryDto): Promise<SearchResultsDto> {
    const canonical = this.fieldRules.canonicalType(type);
    if (canonical === undefined) {
      throw new ApiError(ErrorCode.BAD_REQUEST, `Unknown interaction type "${type}"`, {
        interaction_type: `must be one of ${this.fieldRules.typeNames.join(', ')}`,
      });
    }
    const builder = this.inSite(principal).andWhere(`${ALIAS}.type = :type`, { type: canonical });
    return this.page(newestFirst(builder), toPageRequest(query));
  }

  byLead(principal: Principal, lead: string, query: PageQueryDto): Promise<SearchResultsDto> {
    if (lead.length < 1 || lead.length > 100) {
      throw new ApiError(ErrorCode.BAD_REQUEST, 'lead must be 1 to 100 characters long', {
        lead: 'must be 1 to 100 characters long',
      });
    }
    const builder = this.inSite(principal).andWhere(`${ALIAS}.lead ILIKE :lead`, {
      lead: `%${escapeLike(lead)}%`,
    });
    return this.page(newestFirst(builder), toPageRequest(query));
  }

  async upcoming(principal: Principal, limit = DEFAULT_WINDOW): Promise<InteractionWindowDto> {
    const rows = await this.inSite(principal)
      .andWhere(`${ALIAS}.startDatetime > now()`)
      .orderBy(`${ALIAS}.startDatetime`, 'ASC')
      .addOrderBy(`${ALIAS}.id`, 'ASC')
      .limit(limit)
      .getMany();
    return { interactions: rows.map(toInteractionDto) };
  }

  async recent(principal: Principal, limit = DEFAULT_WINDOW): Promise<InteractionWindowDto> {
    const rows = await this.inSite(principal)
      .andWhere(`${ALIAS}.endDatetime <= now()`)
      .orderBy(`${ALIAS}.endDatetime`, 'DESC')
      .addOrderBy(`${ALIAS}.id`, 'DESC')
      .limit(limit)
      .getMany();
    return { interactions: rows.map(toInteractionDto) };
  }

  private inSite(principal: Principal): SelectQueryBuilder<Interaction> {
    return this.interactions
      .createQueryBuilder(ALIAS)
      .where(`${ALIAS}.siteId = :siteId`, { siteId: principal.currentSiteId });
  }

  private async page(
    builder: SelectQueryBuilder<Interaction>,
    page: PageRequest,
  ): Promise<SearchResultsDto> {
    const [rows, total] = await builder.offset(page.offset).limit(page.pageSize).getManyAndCount();
    return { results: rows.map(toInteractionDto), ...pageInfo(page, total) };
  }
}

function newestFirst(builder: SelectQueryBuilder<Interaction>): SelectQueryBuilder<Interaction> {
  return builder.orderBy(`${ALIAS}.startDatetime`, 'DESC').addOrderBy(`${ALIAS}.id`, 'DESC');
}

/** Whole days in `timezone` (default UTC) for dates; date-times as given (naive ones in `timezone`). */
function resolveRange(query: DateRangeQueryDto): { from: Date; until: Date } {
  const zone = query.timezone === undefined ? 'UTC' : canonicalTimeZone(query.timezone);
  if (zone === undefined) {
    throw new ApiError(ErrorCode.BAD_REQUEST, 'timezone must be an IANA time zone name', {
      timezone: 'must be an IANA time zone name such as America/New_York',
    });
  }
  const from = boundary(query.start_date, zone, 'start_date', 0);
  const until = boundary(query.end_date, zone, 'end_date', 1);
  if (from > until) {
    throw new ApiError(ErrorCode.BAD_REQUEST, 'start_date must not be after end_date', {
      start_date: 'must not be after end_date',
    });
  }
  return { from, until };
}

function boundary(value: string, zone: string, name: string, daysAfter: 0 | 1): Date {
  if (DATE_ONLY.test(value)) {
    const day = DateTime.fromISO(value, { zone });
    if (day.isValid) {
      return day.startOf('day').plus({ days: daysAfter }).toJSDate();
    }
  } else {
    const parsed = parseInstant(value, zone);
    if (parsed.ok) {
      return parsed.instant;
    }
  }
  throw new ApiError(ErrorCode.BAD_REQUEST, `${name} is not a valid date`, {
    [name]: 'is not a valid date or date-time',
  });
}
