import { ApiProperty } from '@nestjs/swagger';
import { PageInfoDto } from '../../../common/pagination/page-info.dto';
import { MAX_PAGE_SIZE } from '../../../common/pagination/page-query.dto';
import { toIsoSeconds } from '../../../common/http/iso-time';
import { etagOf } from '../../../common/http/etag';
import type { InstantsAsText } from '../../../database/instants-as-text';
import { ETAG_SCHEMA, INT32_ID, UTC_TIMESTAMP } from '../../../common/openapi/schema-types';
import { InteractionDto, toInteractionDto } from '../../dto/interaction.dto';
import type { TrashedRow } from '../trash-sql';

export class TrashedInteractionDto extends InteractionDto {
  @ApiProperty({ ...UTC_TIMESTAMP, example: '2023-06-20T09:15:00Z' }) deleted_at: string;
  @ApiProperty({ ...INT32_ID, example: 123, description: 'The user who deleted it' })
  deleted_by: number;
  @ApiProperty({
    ...ETAG_SCHEMA,
    description: 'The ETag the record had when deleted: send it in If-Match to restore it',
  })
  etag: string;
}

export class TrashListResponseDto extends PageInfoDto {
  @ApiProperty({ type: [TrashedInteractionDto], maxItems: MAX_PAGE_SIZE })
  interactions: TrashedInteractionDto[];
}

export function toTrashedInteractionDto(row: InstantsAsText<TrashedRow>): TrashedInteractionDto {
  return {
    ...toInteractionDto(row),
    deleted_at: toIsoSeconds(row.deletedAt),
    deleted_by: row.deletedBy,
    etag: etagOf(row.id, row.version),
  };
}
