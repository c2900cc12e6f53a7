import { ApiProperty } from '@nestjs/swagger';
import { PageInfoDto } from '../../common/pagination/page-info.dto';
import { MAX_PAGE_SIZE } from '../../common/pagination/page-query.dto';
import { toIsoSeconds } from '../../common/http/iso-time';
import type { InstantsAsText } from '../../database/instants-as-text';
import { INT32_ID, INT64_ID, UTC_TIMESTAMP } from '../../common/openapi/schema-types';
import type { InteractionRow } from '../read/interaction-row';

export class InteractionDto {
  @ApiProperty({ ...INT64_ID, example: 1, description: 'bigint in the database; a JSON number' })
  id: number;
  @ApiProperty({ ...INT32_ID, example: 2 }) site_id: number;
  @ApiProperty({ maxLength: 100, example: 'Team Kickoff Meeting' }) title: string;
  @ApiProperty({
    maxLength: 50,
    example: 'Meeting',
    description:
      'Canonical spelling of a configured type (see InteractionType). A plain string here: a record keeps its type if INTERACTION_TYPES later drops it.',
  })
  type: string;
  @ApiProperty({ maxLength: 100, example: 'John Smith' }) lead: string;
  @ApiProperty({ ...UTC_TIMESTAMP, example: '2023-06-12T10:00:00Z' }) start_datetime: string;
  @ApiProperty({ ...UTC_TIMESTAMP, example: '2023-06-12T11:00:00Z' }) end_datetime: string;
  @ApiProperty({ maxLength: 64, example: 'America/New_York', description: 'IANA time zone name' })
  timezone: string;
  @ApiProperty({ maxLength: 200, example: 'Conference Room A' }) location: string;
  @ApiProperty({
    maxLength: 5000,
    example: 'Initial project kickoff meeting with team members',
  })
  description: string;
  @ApiProperty({ maxLength: 5000, example: 'Bring project documentation' }) notes: string;
  @ApiProperty({ ...INT32_ID, example: 123 }) created_by: number;
  @ApiProperty({ ...UTC_TIMESTAMP, example: '2023-06-01T15:30:00Z' }) created_at: string;
  @ApiProperty({ ...UTC_TIMESTAMP, example: '2023-06-01T15:30:00Z' }) updated_at: string;
}

export class InteractionResponseDto {
  @ApiProperty({ type: InteractionDto })
  interaction: InteractionDto;
}

export class InteractionListResponseDto extends PageInfoDto {
  @ApiProperty({ type: [InteractionDto], maxItems: MAX_PAGE_SIZE })
  interactions: InteractionDto[];
}

/** The one mapping to the wire format, for entities and for the rows of interaction-sql.ts alike. */
export function toInteractionDto(
  row: InteractionRow | InstantsAsText<InteractionRow>,
): InteractionDto {
  return {
    id: Number(row.id),
    site_id: row.siteId,
    title: row.title,
    type: row.type,
    lead: row.lead,
    start_datetime: toIsoSeconds(row.startDatetime),
    end_datetime: toIsoSeconds(row.endDatetime),
    timezone: row.timezone,
    location: row.location,
    description: row.description,
    notes: row.notes,
    created_by: row.createdBy,
    created_at: toIsoSeconds(row.createdAt),
    updated_at: toIsoSeconds(row.updatedAt),
  };
}
