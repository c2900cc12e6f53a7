import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { INT32_ID } from '../../common/openapi/schema-types';

export class SelectSiteDto {
  @ApiProperty({ ...INT32_ID, example: 2 })
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  site_id: number;
}
