import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';

export class RefreshDto {
  @ApiProperty({ example: 'k3Jx0f9p...', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  refresh_token: string;
}

export class LogoutDto {
  @ApiPropertyOptional({
    description:
      'Accepted for compatibility with the API document; the session of the bearer token is ended.',
    maxLength: 4096,
  })
  @IsOptional()
  @IsString()
  @Length(0, 4096)
  token?: string;
}
