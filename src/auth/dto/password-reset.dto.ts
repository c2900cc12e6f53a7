import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, Length, MaxLength } from 'class-validator';
import { ErrorCode } from '../../common/errors/error-code';
import { errorCodeContext } from '../../common/errors/validation.pipe';

export class PasswordResetRequestDto {
  @ApiProperty({ example: 'alice@example.com', format: 'email', maxLength: 254 })
  @MaxLength(254, {
    message: 'Invalid email address',
    context: errorCodeContext(ErrorCode.INVALID_EMAIL),
  })
  @IsEmail(
    {},
    { message: 'Invalid email address', context: errorCodeContext(ErrorCode.INVALID_EMAIL) },
  )
  email: string;
}

export class PasswordResetConfirmDto {
  @ApiProperty({
    description: 'The token from the reset e-mail',
    example: 'Vf1cX...',
    minLength: 1,
    maxLength: 200,
  })
  @IsString()
  @Length(1, 200)
  token: string;

  @ApiProperty({
    description: 'The new password',
    minLength: 12,
    maxLength: 128,
    format: 'password',
    example: 'a-new-long-password',
  })
  @IsString()
  @Length(12, 128, { message: 'password must be 12 to 128 characters long' })
  password: string;
}
