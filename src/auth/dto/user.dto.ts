import { ApiProperty } from '@nestjs/swagger';
import { INT32_ID } from '../../common/openapi/schema-types';

export class UserDto {
  @ApiProperty({ ...INT32_ID, example: 123 })
  id: number;

  @ApiProperty({ example: 'alice', maxLength: 100 })
  username: string;

  @ApiProperty({ example: 'alice@example.com', format: 'email', maxLength: 254 })
  email: string;

  @ApiProperty({
    type: 'array',
    items: INT32_ID,
    example: [1, 2],
    description: 'IDs of the sites the user belongs to',
  })
  sites: number[];

  @ApiProperty({
    ...INT32_ID,
    nullable: true,
    example: 1,
    description: 'The site selected in this session',
  })
  current_site_id: number | null;
}

export class ProfileResponseDto {
  @ApiProperty({ type: UserDto })
  user: UserDto;
}
