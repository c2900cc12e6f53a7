import { ApiProperty } from '@nestjs/swagger';

export class SuccessDto {
  @ApiProperty({ example: true, enum: [true] })
  success: true;
}

export const SUCCESS: SuccessDto = { success: true };
