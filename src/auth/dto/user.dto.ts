import { ApiProperty } from '@nestjs/swagger';

export class UserDto {
  @ApiProperty({ example: 123 })
  id: number;

  @ApiProperty({ example: 'alice' })
  username: string;

  @ApiProperty({ example: 'alice@example.com', format: 'email' })
  email: string;

  @ApiProperty({
    type: [Number],
    example: [1, 2],
    description: 'IDs of the sites the user belongs to',
  })
  sites: number[];

  @ApiProperty({
    type: Number,
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
