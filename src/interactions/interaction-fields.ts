import { Injectable } from '@nestjs/common';
import type { ErrorDetails } from '../common/errors/api-error';
import { ApiError } from '../common/errors/api-error';
import { ErrorCode } from '../common/errors/error-code';
import { AppConfig } from '../config/app-config';
import type { InteractionInputDto, InteractionPatchDto } from './dto/interaction-input.dto';
import type { Interaction } from './entities/interaction.entity';
import { canonicalTimeZone, parseInstant } from './interaction-time';

/** The columns a client may set; everything else is server-owned. */
export type InteractionFields = Pick<
  Interaction,
  | 'title'
  | 'type'
  | 'lead'
  | 'startDatetime'
  | 'endDatetime'
  | 'timezone'
  | 'location'
  | 'description'
  | 'notes'
>;

const REQUIRED = ['title', 'type', 'lead', 'start_datetime', 'end_datetime', 'timezone'] as const;

/**
 * The rules DTO decorators cannot express: the configured type list, time zones, wall-clock
 * times read in the record's zone, and end ≥ start. All problems are reported together.
 */
@Injectable()
export class InteractionFieldRules {
  private readonly canonicalTypes: Map<string, string>;

  constructor(config: AppConfig) {
    this.canonicalTypes = new Map(
      config.interactionTypes.map((type) => [type.toLowerCase(), type]),
    );
  }

  /** The canonical spelling of a configured type, matched case-insensitively; undefined if unknown. */
  canonicalType(type: string): string | undefined {
    return this.canonicalTypes.get(type.toLowerCase());
  }

  get typeNames(): string[] {
    return [...this.canonicalTypes.values()];
  }

  /** POST and PUT: a complete record. */
  fromInput(input: InteractionInputDto): InteractionFields {
    return this.resolve(input, undefined);
  }

  /** PATCH: the stored record with the given fields laid over it. */
  fromPatch(patch: InteractionPatchDto, current: Interaction): InteractionFields {
    return this.resolve(patch, current);
  }

  private resolve(input: InteractionPatchDto, current: Interaction | undefined): InteractionFields {
    const details: ErrorDetails = {};
    for (const field of REQUIRED) {
      if (input[field] === null) {
        details[field] = `${field} must not be null`;
      }
    }

    const timezone = isAbsent(input.timezone)
      ? current?.timezone
      : canonicalTimeZone(input.timezone);
    if (timezone === undefined) {
      details.timezone ??= 'timezone must be an IANA time zone name such as America/Chicago';
    }
    const type = isAbsent(input.type) ? current?.type : this.canonicalType(input.type);
    if (type === undefined) {
      details.type ??= `type must be one of ${this.typeNames.join(', ')}`;
    }
    const start = this.instant(
      input.start_datetime,
      current?.startDatetime,
      timezone,
      'start_datetime',
      details,
    );
    const end = this.instant(
      input.end_datetime,
      current?.endDatetime,
      timezone,
      'end_datetime',
      details,
    );
    if (start && end && end < start) {
      details.end_datetime = 'end_datetime must not be before start_datetime';
    }
    if (Object.keys(details).length > 0) {
      throw new ApiError(ErrorCode.VALIDATION_ERROR, 'Request body failed validation', details);
    }
    return {
      title: input.title ?? current!.title,
      type: type!,
      lead: input.lead ?? current!.lead,
      startDatetime: start!,
      endDatetime: end!,
      timezone: timezone!,
      location: optionalText(input.location, current?.location),
      description: optionalText(input.description, current?.description),
      notes: optionalText(input.notes, current?.notes),
    };
  }

  private instant(
    value: string | undefined | null,
    stored: Date | undefined,
    timezone: string | undefined,
    field: string,
    details: ErrorDetails,
  ): Date | undefined {
    if (isAbsent(value)) {
      return stored;
    }
    if (timezone === undefined) {
      return undefined;
    }
    const parsed = parseInstant(value, timezone);
    if (!parsed.ok) {
      details[field] = `${field} ${parsed.reason}`;
      return undefined;
    }
    return parsed.instant;
  }
}

/** Not sent, or sent as null (which the null check above already reported for required fields). */
function isAbsent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

/** Absent keeps the stored value (PATCH) or defaults to "" (POST/PUT); null clears it. */
function optionalText(value: string | null | undefined, stored: string | undefined): string {
  if (value === undefined) {
    return stored ?? '';
  }
  return value ?? '';
}
