import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorCode } from './error-code';

export class ErrorBodyDto {
  @ApiProperty({ enum: ErrorCode, enumName: 'ErrorCode', example: ErrorCode.VALIDATION_ERROR })
  code: ErrorCode;

  @ApiProperty({ example: 'Request body failed validation' })
  message: string;

  @ApiPropertyOptional({
    description: 'Offending field paths mapped to a message',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { title: 'title must be between 5 and 100 characters' },
  })
  details?: Record<string, string>;
}

export class ErrorEnvelopeDto {
  @ApiProperty({ type: ErrorBodyDto })
  error: ErrorBodyDto;
}
