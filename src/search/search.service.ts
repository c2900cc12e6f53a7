import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/access/principal';
import { ApiError } from '../common/errors/api-error';
import { ErrorCode } from '../common/errors/error-code';
import {
  pageInfo,
  toPageRequest,
  type PageQueryDto,
  type PageRequest,
} from '../common/pagination/page-query.dto';
import { toInteractionDto } from '../interactions/dto/interaction.dto';
import { InteractionFieldRules } from '../interactions/interaction-fields';
import {
  dateRangePage,
  NEWEST_FIRST,
  pageInSite,
  recentStatement,
  ROW_ALIAS,
  textSearchPage,
  upcomingStatement,
  type OrderKey,
  type PagePosition,
  type PageSpec,
  type Statement,
} from '../interactions/read/interaction-sql';
import {
  canonicalTimeZone,
  isRepresentable,
  OUT_OF_RANGE_REASON,
  parseInstant,
} from '../interactions/interaction-time';
import type { StatementCancellation } from '../database/statement';
import { InteractionReads } from '../interactions/read/interaction-reads';
import type { CursorScope } from '../interactions/read/page-cursor';
import { containsPattern } from '../interactions/read/text-search';
import type { AdvancedSearchDto } from './dto/advanced-search.dto';
import type { DateRangeQueryDto, TextSearchQueryDto } from './dto/search-query.dto';
import type { InteractionWindowDto, SearchResultsDto } from './dto/search-results.dto';
import { FilterCompiler } from './filter-compiler';
import { SEARCH_FIELDS } from './search-fields';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DEFAULT_WINDOW = 10;
/** The SQL column of each entity property a compiled sort key names. */
const COLUMN_OF_PROPERTY = new Map<string, string>(
  Object.values(SEARCH_FIELDS).map((field) => [field.property, field.column]),
);

/** Every search of DESIGN.md §7, always inside the caller's current site. */
@Injectable()
export class SearchService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly fieldRules: InteractionFieldRules,
    private readonly reads: InteractionReads,
  ) {}

  text(
    principal: Principal,
    query: TextSearchQueryDto,
    clientGone?: StatementCancellation,
  ): Promise<SearchResultsDto> {
    const page = toPageRequest(query);
    const scope = { endpoint: 'GET /search/interactions', filters: { query: query.query } };
    return this.page(
      principal,
      page,
      scope,
      (siteId, position) => textSearchPage(siteId, { search: query.query, ...position }),
      clientGone,
    );
  }

  advanced(
    principal: Principal,
    body: AdvancedSearchDto,
    clientGone?: StatementCancellation,
  ): Promise<SearchResultsDto> {
    if (body.size !== undefined && body.page_size !== undefined && body.size !== body.page_size) {
      throw new ApiError(ErrorCode.VALIDATION_ERROR, 'Advanced search failed validation', {
        page_size: 'is an alias of size; give one of them',
      });
    }
    const compiled = FilterCompiler.compile(body.filters, body.sort, ROW_ALIAS);
    const conditions = compiled.filters.where
      ? `"${ROW_ALIAS}"."site_id" = :siteId AND (${compiled.filters.where})`
      : `"${ROW_ALIAS}"."site_id" = :siteId`;
    const page = toPageRequest({
      page: body.page,
      page_size: body.size ?? body.page_size,
      cursor: body.cursor,
    });
    const scope = {
      endpoint: 'POST /search/advanced',
      filters: { filters: body.filters ?? [], sort: compiled.sort },
    };
    return this.page(
      principal,
      page,
      scope,
      (siteId, position) => {
        // Named parameters (and `:...list` expansions) become $1…$n as TypeORM's builder does it.
        const [where, values] = this.dataSource.driver.escapeQueryWithParameters(conditions, {
          ...compiled.filters.params,
          siteId,
        });
        return {
          where,
          values,
          orderBy: compiled.sort.map((key) => ({
            column: COLUMN_OF_PROPERTY.get(key.property)!,
            property: key.property as OrderKey['property'],
            direction: key.direction,
          })),
          ...position,
        };
      },
      clientGone,
    );
  }

  /** Interactions overlapping [start, end): those that start before its end and end after its start. */
  dateRange(
    principal: Principal,
    query: DateRangeQueryDto,
    clientGone?: StatementCancellation,
  ): Promise<SearchResultsDto> {
    const page = toPageRequest(query);
    const range = resolveRange(query);
    const scope = { endpoint: 'GET /search/date-range', filters: range };
    return this.page(
      principal,
      page,
      scope,
      (siteId, position) => dateRangePage(siteId, { ...range, ...position }),
      clientGone,
    );
  }

  byType(
    principal: Principal,
    type: string,
    query: PageQueryDto,
    clientGone?: StatementCancellation,
  ): Promise<SearchResultsDto> {
    const canonical = this.fieldRules.canonicalType(type);
    if (canonical === undefined) {
      throw new ApiError(ErrorCode.BAD_REQUEST, `Unknown interaction type "${type}"`, {
        interaction_type: `must be one of ${this.fieldRules.typeNames.join(', ')}`,
      });
    }
    return this.newestMatching(
      principal,
      query,
      { endpoint: 'GET /search/type', filters: { type: canonical } },
      { where: `"${ROW_ALIAS}"."type" = $2`, value: canonical },
      clientGone,
    );
  }

  byLead(
    principal: Principal,
    lead: string,
    query: PageQueryDto,
    clientGone?: StatementCancellation,
  ): Promise<SearchResultsDto> {
    if (lead.length < 1 || lead.length > 100) {
      throw new ApiError(ErrorCode.BAD_REQUEST, 'lead must be 1 to 100 characters long', {
        lead: 'must be 1 to 100 characters long',
      });
    }
    return this.newestMatching(
      principal,
      query,
      { endpoint: 'GET /search/lead', filters: { lead } },
      { where: `"${ROW_ALIAS}"."lead" ILIKE $2`, value: containsPattern(lead) },
      clientGone,
    );
  }

  upcoming(
    principal: Principal,
    limit = DEFAULT_WINDOW,
    clientGone?: StatementCancellation,
  ): Promise<InteractionWindowDto> {
    return this.window(principal, (siteId) => upcomingStatement(siteId, limit), clientGone);
  }

  recent(
    principal: Principal,
    limit = DEFAULT_WINDOW,
    clientGone?: StatementCancellation,
  ): Promise<InteractionWindowDto> {
    return this.window(principal, (siteId) => recentStatement(siteId, limit), clientGone);
  }

  /** The site's rows meeting one more condition on `$2`, newest first (type, lead). */
  private newestMatching(
    principal: Principal,
    query: PageQueryDto,
    scope: CursorScope,
    condition: { where: string; value: unknown },
    clientGone: StatementCancellation | undefined,
  ): Promise<SearchResultsDto> {
    return this.page(
      principal,
      toPageRequest(query),
      scope,
      (siteId, position) =>
        pageInSite(siteId, {
          where: condition.where,
          values: [condition.value],
          orderBy: NEWEST_FIRST,
          ...position,
        }),
      clientGone,
    );
  }

  private async page(
    principal: Principal,
    page: PageRequest,
    scope: CursorScope,
    pageOf: (siteId: number, position: PagePosition) => PageSpec,
    clientGone: StatementCancellation | undefined,
  ): Promise<SearchResultsDto> {
    const read = await this.reads.page(principal, page, scope, pageOf, clientGone);
    return { results: read.rows.map(toInteractionDto), ...pageInfo(page, read) };
  }

  private async window(
    principal: Principal,
    read: (siteId: number) => Statement,
    clientGone: StatementCancellation | undefined,
  ): Promise<InteractionWindowDto> {
    const rows = await this.reads.window(principal, read, clientGone);
    return { interactions: rows.map(toInteractionDto) };
  }
}

/** Whole days in `timezone` (default UTC) for dates; date-times as given (naive ones in `timezone`). */
function resolveRange(query: DateRangeQueryDto): { from: Date; until: Date } {
  const zone = query.timezone === undefined ? 'UTC' : canonicalTimeZone(query.timezone);
  if (zone === undefined) {
    throw new ApiError(ErrorCode.BAD_REQUEST, 'timezone must be an IANA time zone name', {
      timezone: 'must be an IANA time zone name such as America/New_York',
    });
  }
  const from = instantOf(query.start_date, zone, 'start_date');
  const end = instantOf(query.end_date, zone, 'end_date');
  // As dates (DESIGN.md §7): a start one day after a date-only end is reversed, although it
  // equals the end's exclusive bound.
  if (from > end) {
    throw new ApiError(ErrorCode.BAD_REQUEST, 'start_date must not be after end_date', {
      start_date: 'must not be after end_date',
    });
  }
  // A date-only end includes its whole day.
  const until = DATE_ONLY.test(query.end_date) ? midnightOf(query.end_date, zone, 1)! : end;
  return { from, until };
}

/** A date's midnight in `zone`, or a date-time (naive ones in `zone`). */
function instantOf(value: string, zone: string, name: string): Date {
  if (DATE_ONLY.test(value)) {
    const midnight = midnightOf(value, zone, 0);
    if (midnight && !isRepresentable(midnight)) {
      throw outOfRange(name);
    }
    if (midnight) {
      return midnight;
    }
  } else {
    const parsed = parseInstant(value, zone);
    if (parsed.ok) {
      return parsed.instant;
    }
    if (parsed.reason === OUT_OF_RANGE_REASON) {
      throw outOfRange(name);
    }
  }
  throw new ApiError(ErrorCode.BAD_REQUEST, `${name} is not a valid date`, {
    [name]: 'is not a valid date or date-time',
  });
}

function outOfRange(name: string): ApiError {
  return new ApiError(ErrorCode.BAD_REQUEST, `${name} ${OUT_OF_RANGE_REASON}`, {
    [name]: OUT_OF_RANGE_REASON,
  });
}

/** The midnight that starts `date` (YYYY-MM-DD) in `zone`, `daysAfter` days on; none if no such day. */
function midnightOf(date: string, zone: string, daysAfter: 0 | 1): Date | undefined {
  if (zone === 'UTC') {
    // The default, without luxon: its parsing was a tenth of a date-range request's CPU (issue 8).
    // Date rolls 2023-02-30 over to March; the round trip refuses it as luxon does.
    const midnight = new Date(`${date}T00:00:00Z`);
    if (Number.isNaN(midnight.getTime()) || midnight.toISOString().slice(0, 10) !== date) {
      return undefined;
    }
    midnight.setUTCDate(midnight.getUTCDate() + daysAfter);
    return midnight;
  }
  const day = DateTime.fromISO(date, { zone });
  return day.isValid ? day.startOf('day').plus({ days: daysAfter }).toJSDate() : undefined;
}
