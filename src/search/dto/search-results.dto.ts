import { ApiProperty } from '@nestjs/swagger';
import { PageInfoDto } from '../../common/pagination/page-info.dto';
import { MAX_PAGE_SIZE } from '../../common/pagination/page-query.dto';
import { InteractionDto } from '../../interactions/dto/interaction.dto';
import { MAX_WINDOW_LIMIT } from './search-query.dto';

export class SearchResultsDto extends PageInfoDto {
  @ApiProperty({ type: [InteractionDto], maxItems: MAX_PAGE_SIZE })
  results: InteractionDto[];
}

export class InteractionWindowDto {
  @ApiProperty({ type: [InteractionDto], maxItems: MAX_WINDOW_LIMIT })
  interactions: InteractionDto[];
}
