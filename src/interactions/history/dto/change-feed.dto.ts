import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { toQueryInteger } from '../../../common/pagination/page-query.dto';
import {
  INT32_COUNT,
  INT64_ID,
  UTC_TIMESTAMP,
  nullableRef,
} from '../../../common/openapi/schema-types';
import { InteractionDto } from '../../dto/interaction.dto';

export const MAX_CHANGES = 1_000;
export const DEFAULT_CHANGES = 100;

export const CHANGE_ACTIONS = ['created', 'updated', 'deleted', 'restored', 'imported'] as const;
export type ChangeAction = (typeof CHANGE_ACTIONS)[number];

/** A feed position: the decimal place of a change (0: before the first). */
const POSITION = { type: 'string', pattern: '^\\d{1,18}$', maxLength: 18, example: '0' } as const;

export class ChangeFeedQueryDto {
  @ApiPropertyOptional({
    ...POSITION,
    description:
      'The `next` of the previous call. Absent: from the oldest change kept. The changes come after it, in commit order.',
  })
  @IsOptional()
  @IsString({ message: 'since must be a single value' })
  @Matches(/^\d{1,18}$/, { message: 'since must be the `next` of an earlier response' })
  since?: string;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_CHANGES,
    default: DEFAULT_CHANGES,
  })
  @IsOptional()
  @Transform(toQueryInteger)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1, { message: `limit must be between 1 and ${MAX_CHANGES}` })
  @Max(MAX_CHANGES, { message: `limit must be between 1 and ${MAX_CHANGES}` })
  limit?: number;
}

@ApiExtraModels(InteractionDto)
export class InteractionChangeDto {
  @ApiProperty({ ...INT64_ID, example: 25, description: 'The interaction changed' }) id: number;
  @ApiProperty({ enum: CHANGE_ACTIONS, example: 'updated' }) action: ChangeAction;
  @ApiProperty({
    ...INT32_COUNT,
    minimum: 1,
    example: 2,
    description: 'The version this change produced (a deletion: the version deleted)',
  })
  version: number;
  @ApiProperty({ ...UTC_TIMESTAMP, example: '2026-12-07T10:15:30Z' }) occurred_at: string;
  @ApiProperty({
    ...nullableRef(InteractionDto),
    description:
      'The record as it is now (it may be a later version than this change made); null once it is deleted',
  })
  interaction: InteractionDto | null;
}

export class ChangeFeedResponseDto {
  @ApiProperty({ type: [InteractionChangeDto], maxItems: MAX_CHANGES })
  changes: InteractionChangeDto[];
  @ApiProperty({
    ...POSITION,
    example: '42',
    description:
      'Send it as `since` for the changes after these (the same value when there were none: poll again later)',
  })
  next: string;
}
