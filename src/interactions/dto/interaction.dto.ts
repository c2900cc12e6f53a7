import { ApiProperty } from '@nestjs/swagger';
import { PageInfoDto } from '../../common/pagination/page-info.dto';
import { toIsoSeconds } from '../../common/http/iso-time';
import type { Interaction } from '../entities/interaction.entity';

export class InteractionDto {
  @ApiProperty({ example: 1, description: 'bigint in the database; a JSON number' }) id: number;
  @ApiProperty({ example: 2 }) site_id: number;
  @ApiProperty({ example: 'Team Kickoff Meeting' }) title: string;
  @ApiProperty({ example: 'Meeting' }) type: string;
  @ApiProperty({ example: 'John Smith' }) lead: string;
  @ApiProperty({ format: 'date-time', example: '2023-06-12T10:00:00Z' }) start_datetime: string;
  @ApiProperty({ format: 'date-time', example: '2023-06-12T11:00:00Z' }) end_datetime: string;
  @ApiProperty({ example: 'America/New_York' }) timezone: string;
  @ApiProperty({ example: 'Conference Room A' }) location: string;
  @ApiProperty({ example: 'Initial project kickoff meeting with team members' })
  description: string;
  @ApiProperty({ example: 'Bring project documentation' }) notes: string;
  @ApiProperty({ example: 123 }) created_by: number;
  @ApiProperty({ format: 'date-time', example: '2023-06-01T15:30:00Z' }) created_at: string;
  @ApiProperty({ format: 'date-time', example: '2023-06-01T15:30:00Z' }) updated_at: string;
}

export class InteractionResponseDto {
  @ApiProperty({ type: InteractionDto })
  interaction: InteractionDto;
}

export class InteractionListResponseDto extends PageInfoDto {
  @ApiProperty({ type: [InteractionDto] })
  interactions: InteractionDto[];
}

export function toInteractionDto(row: Interaction): InteractionDto {
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
