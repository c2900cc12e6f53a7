import { ApiProperty } from '@nestjs/swagger';
import { PageInfoDto } from '../../common/pagination/page-info.dto';
import { InteractionDto } from '../../interactions/dto/interaction.dto';

export class SearchResultsDto extends PageInfoDto {
  @ApiProperty({ type: [InteractionDto] })
  results: InteractionDto[];
}

export class InteractionWindowDto {
  @ApiProperty({ type: [InteractionDto] })
  interactions: InteractionDto[];
}
