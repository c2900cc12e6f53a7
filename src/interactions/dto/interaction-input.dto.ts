import { ApiHideProperty, ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform, type TransformFnParams } from 'class-transformer';
import { Allow, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { DEFAULT_INTERACTION_TYPES } from '../../config/app-config';
import {
  INPUT_DATETIME_MAX_LENGTH,
  INTERACTION_TYPE_SCHEMA,
} from '../../common/openapi/schema-types';
import { ISO_DATETIME } from '../interaction-time';

const trim = ({ value }: TransformFnParams): unknown =>
  typeof value === 'string' ? value.trim() : value;
const DATETIME_MESSAGE = 'must be an ISO 8601 date-time such as 2023-06-12T10:00:00Z';
const NULL_CLEARS = 'Absent or null: empty (PATCH: absent keeps the stored value, null clears it)';
const DATETIME_DESCRIPTION =
  'ISO 8601. With Z or an offset it is taken as is; without, it is wall-clock time in `timezone`. Returned in UTC. Once in UTC it must fall between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z (else 422).';

/**
 * Server-owned fields a client may echo back from a GET: accepted and ignored (DESIGN.md §6), so
 * that `forbidNonWhitelisted` does not turn them into 422s.
 */
abstract class ServerOwnedFields {
  @ApiHideProperty() @Allow() id?: unknown;
  @ApiHideProperty() @Allow() site_id?: unknown;
  @ApiHideProperty() @Allow() created_by?: unknown;
  @ApiHideProperty() @Allow() created_at?: unknown;
  @ApiHideProperty() @Allow() updated_at?: unknown;
}

/** POST and PUT: every required field present (PUT replaces the record). */
export class InteractionInputDto extends ServerOwnedFields {
  @ApiProperty({
    minLength: 5,
    maxLength: 100,
    example: 'Project Status Update',
    description: 'Trimmed',
  })
  @Transform(trim)
  @IsString({ message: 'title must be a string' })
  @Length(5, 100, { message: 'title must be 5 to 100 characters long' })
  title: string;

  @ApiProperty({
    enum: DEFAULT_INTERACTION_TYPES,
    enumName: INTERACTION_TYPE_SCHEMA,
    example: 'Meeting',
    description:
      'Matched case-insensitively (`meeting` is accepted) and stored in its canonical spelling.',
  })
  @Transform(trim)
  @IsString({ message: 'type must be a string' })
  @Length(1, 50, { message: 'type must be 1 to 50 characters long' })
  type: string;

  @ApiProperty({
    minLength: 1,
    maxLength: 100,
    example: 'Jane Doe',
    description: 'Person leading the interaction',
  })
  @Transform(trim)
  @IsString({ message: 'lead must be a string' })
  @Length(1, 100, { message: 'lead must be 1 to 100 characters long' })
  lead: string;

  @ApiProperty({
    format: 'date-time',
    maxLength: INPUT_DATETIME_MAX_LENGTH,
    example: '2023-06-20T14:00:00Z',
    description: DATETIME_DESCRIPTION,
  })
  @IsString({ message: `start_datetime ${DATETIME_MESSAGE}` })
  @Matches(ISO_DATETIME, { message: `start_datetime ${DATETIME_MESSAGE}` })
  start_datetime: string;

  @ApiProperty({
    format: 'date-time',
    maxLength: INPUT_DATETIME_MAX_LENGTH,
    example: '2023-06-20T15:00:00Z',
    description: `${DATETIME_DESCRIPTION} Not before start_datetime.`,
  })
  @IsString({ message: `end_datetime ${DATETIME_MESSAGE}` })
  @Matches(ISO_DATETIME, { message: `end_datetime ${DATETIME_MESSAGE}` })
  end_datetime: string;

  @ApiProperty({ example: 'America/Chicago', maxLength: 64, description: 'IANA time zone name' })
  @IsString({ message: 'timezone must be an IANA time zone name such as America/Chicago' })
  @MaxLength(64, { message: 'timezone must be an IANA time zone name such as America/Chicago' })
  timezone: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 200,
    default: '',
    example: 'Virtual Conference Room',
    description: NULL_CLEARS,
  })
  @IsOptional()
  @IsString({ message: 'location must be a string' })
  @MaxLength(200, { message: 'location must be at most 200 characters long' })
  location?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 5000,
    default: '',
    example: 'Weekly project status update meeting',
    description: NULL_CLEARS,
  })
  @IsOptional()
  @IsString({ message: 'description must be a string' })
  @MaxLength(5000, { message: 'description must be at most 5000 characters long' })
  description?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 5000,
    default: '',
    example: 'Prepare progress report',
    description: NULL_CLEARS,
  })
  @IsOptional()
  @IsString({ message: 'notes must be a string' })
  @MaxLength(5000, { message: 'notes must be at most 5000 characters long' })
  notes?: string | null;
}

/**
 * PATCH: only the fields given change. An optional text field sent as null becomes ""; a
 * required one sent as null is refused by the service (PartialType lets null through).
 */
export class InteractionPatchDto extends PartialType(InteractionInputDto) {}
