import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import {
  CursorPageQueryDto,
  MAX_CURSOR_LENGTH,
  MAX_PAGE_SIZE,
} from '../../common/pagination/page-query.dto';
import { INT32_ID, INT64_ID, nullableRef } from '../../common/openapi/schema-types';
import {
  AUDIT_ACTIONS,
  AUDIT_TARGET_TYPES,
  type ActorType,
  type AuditAction,
  type AuditTargetType,
} from '../audit-event';

/** An instant as the audit trail gives it: UTC with milliseconds, so events of one second order. */
const AUDIT_TIMESTAMP = {
  type: 'string',
  format: 'date-time',
  maxLength: 24,
  example: '2026-12-07T10:15:30.123Z',
} as const;

/** A date-time with an offset (or Z), as `from` and `to` take it. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$/i;

export class AuditActorDto {
  @ApiProperty({ enum: ['user', 'api_key', 'system'], example: 'user' }) type: ActorType;
  @ApiProperty({
    type: 'string',
    maxLength: 64,
    nullable: true,
    example: '123',
    description: 'The user or key id; null for the system, or a failed login of no known account',
  })
  id: string | null;
}

export class AuditTargetDto {
  @ApiProperty({ enum: AUDIT_TARGET_TYPES, example: 'interaction' })
  type: AuditTargetType;
  @ApiProperty({ type: 'string', maxLength: 64, example: '25' }) id: string;
}

/** A field's value before and after a change. */
function ChangedField(example: [unknown, unknown]): PropertyDecorator {
  return ApiPropertyOptional({ type: 'array', minItems: 2, maxItems: 2, items: {}, example });
}

/** The fields an event's `changes` can name: an interaction's, and a membership's role. */
export class AuditChangesDto {
  @ChangedField(['Kickoff', 'Team Kickoff']) title?: [unknown, unknown];
  @ChangedField(['Call', 'Meeting']) type?: [unknown, unknown];
  @ChangedField(['Jane Doe', 'John Smith']) lead?: [unknown, unknown];
  @ChangedField(['2023-06-12T10:00:00Z', '2023-06-12T11:00:00Z'])
  start_datetime?: [unknown, unknown];
  @ChangedField(['2023-06-12T11:00:00Z', '2023-06-12T12:00:00Z'])
  end_datetime?: [unknown, unknown];
  @ChangedField(['UTC', 'Europe/Paris']) timezone?: [unknown, unknown];
  @ChangedField(['Room A', 'Room B']) location?: [unknown, unknown];
  @ChangedField(['Before', 'After']) description?: [unknown, unknown];
  @ChangedField(['', 'Bring the slides']) notes?: [unknown, unknown];
  @ChangedField(['viewer', 'member']) role?: [unknown, unknown];
}

@ApiExtraModels(AuditTargetDto, AuditChangesDto)
export class AuditEventDto {
  @ApiProperty({ ...INT64_ID, example: 901 }) id: number;
  @ApiProperty(AUDIT_TIMESTAMP) occurred_at: string;
  @ApiProperty({ enum: AUDIT_ACTIONS, example: 'interaction.updated' }) action: AuditAction;
  @ApiProperty({ type: AuditActorDto }) actor: AuditActorDto;
  @ApiProperty({ ...INT32_ID, nullable: true, example: 2 }) site_id: number | null;
  @ApiProperty(nullableRef(AuditTargetDto))
  target: AuditTargetDto | null;
  @ApiProperty({
    ...nullableRef(AuditChangesDto),
    description:
      'For updates: each changed field (by its API name) with its value before and after. Never a password, token or secret.',
  })
  changes: Record<string, [unknown, unknown]> | null;
  @ApiProperty({
    type: 'string',
    maxLength: 128,
    nullable: true,
    example: '4f9c2a7e-5b1d-4c8e-9f0a-2d6b8e1c3a57',
    description: 'The X-Request-Id of the request; null for the CLI and jobs',
  })
  request_id: string | null;
  @ApiProperty({ type: 'string', maxLength: 64, nullable: true, example: '203.0.113.7' })
  ip: string | null;
}

export class AuditQueryDto extends CursorPageQueryDto {
  @ApiPropertyOptional({ enum: AUDIT_ACTIONS, description: 'Only events of this action' })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS, { message: `action must be one of ${AUDIT_ACTIONS.join(', ')}` })
  action?: AuditAction;

  @ApiPropertyOptional({ maxLength: 64, example: '123', description: 'Only events of this actor' })
  @IsOptional()
  @IsString({ message: 'actor_id must be a single value' })
  @Length(1, 64, { message: 'actor_id must be 1 to 64 characters long' })
  actor_id?: string;

  @ApiPropertyOptional({
    enum: AUDIT_TARGET_TYPES,
    description: 'Only events whose target is of this type',
  })
  @IsOptional()
  @IsIn(AUDIT_TARGET_TYPES, {
    message: `target_type must be one of ${AUDIT_TARGET_TYPES.join(', ')}`,
  })
  target_type?: AuditTargetType;

  @ApiPropertyOptional({ maxLength: 64, example: '25', description: 'Only events of this target' })
  @IsOptional()
  @IsString({ message: 'target_id must be a single value' })
  @Length(1, 64, { message: 'target_id must be 1 to 64 characters long' })
  target_id?: string;

  @ApiPropertyOptional({
    maxLength: 32,
    example: '2026-12-01T00:00:00Z',
    description: 'Events at or after this instant (ISO 8601 with offset)',
  })
  @IsOptional()
  @IsString({ message: 'from must be a single value' })
  @Matches(INSTANT, { message: 'from must be an ISO 8601 date-time with an offset or Z' })
  from?: string;

  @ApiPropertyOptional({
    maxLength: 32,
    example: '2026-12-08T00:00:00Z',
    description: 'Events before this instant (ISO 8601 with offset)',
  })
  @IsOptional()
  @IsString({ message: 'to must be a single value' })
  @Matches(INSTANT, { message: 'to must be an ISO 8601 date-time with an offset or Z' })
  to?: string;
}

export class AuditListResponseDto {
  @ApiProperty({ type: [AuditEventDto], maxItems: MAX_PAGE_SIZE }) events: AuditEventDto[];
  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    example: 20,
  })
  page_size: number;
  @ApiProperty({
    type: 'string',
    maxLength: MAX_CURSOR_LENGTH,
    nullable: true,
    description:
      'Send it as `cursor` (with the same filters) for the next page; null on the last page',
  })
  next_cursor: string | null;
}

/** An event as `audit_events` holds it. */
export interface AuditEventRow {
  id: string;
  occurred_at: Date;
  action: AuditAction;
  actor_type: ActorType;
  actor_id: string | null;
  site_id: number | null;
  target_type: AuditTargetType | null;
  target_id: string | null;
  changes: Record<string, [unknown, unknown]> | null;
  request_id: string | null;
  ip: string | null;
}

export function toAuditEventDto(row: AuditEventRow): AuditEventDto {
  return {
    id: Number(row.id),
    occurred_at: row.occurred_at.toISOString(),
    action: row.action,
    actor: { type: row.actor_type, id: row.actor_id },
    site_id: row.site_id,
    target: row.target_type === null ? null : { type: row.target_type, id: row.target_id ?? '' },
    changes: row.changes,
    request_id: row.request_id,
    ip: row.ip,
  };
}
