import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { UTC_TIMESTAMP } from '../../common/openapi/schema-types';
import { UserDto } from './user.dto';

export class LoginDto {
  @ApiProperty({
    description: 'Username or e-mail address',
    example: 'alice@example.com',
    minLength: 1,
    maxLength: 254,
  })
  @IsString()
  @Length(1, 254)
  username: string;

  @ApiProperty({ example: 'demo-password-123', minLength: 1, maxLength: 128, format: 'password' })
  @IsString()
  @Length(1, 128)
  password: string;
}

export class AccessTokenDto {
  @ApiProperty({
    description: 'RS256 JWT access token',
    maxLength: 4096,
    example: 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9...',
  })
  token: string;

  @ApiProperty({
    ...UTC_TIMESTAMP,
    description: 'When the access token expires (UTC)',
    example: '2023-07-15T15:30:00Z',
  })
  expires: string;

  @ApiProperty({
    description: 'Opaque single-use refresh token; each refresh returns a new one',
    maxLength: 200,
    example: 'k3Jx0f9p...',
  })
  refresh_token: string;

  @ApiProperty({
    ...UTC_TIMESTAMP,
    description: 'When the refresh token expires (UTC)',
    example: '2023-07-22T15:00:00Z',
  })
  refresh_expires: string;
}

export class LoginResponseDto extends AccessTokenDto {
  @ApiProperty({ type: UserDto })
  user: UserDto;
}
