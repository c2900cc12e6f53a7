import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { SearchTermField } from './search-term.field';

export class ListInteractionsQueryDto extends PageQueryDto {
  @SearchTermField('search', { required: false })
  search?: string;
}
