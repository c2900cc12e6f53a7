import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';

export class ListInteractionsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 200,
    example: 'kickoff',
    description:
      'Case-insensitive substring of title, type, lead, location, description or notes; % and _ are literal',
  })
  @IsOptional()
  @IsString({ message: 'search must be a single string' })
  @Length(1, 200, { message: 'search must be 1 to 200 characters long' })
  search?: string;
}
