import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Allow } from 'class-validator';
import {
  PageCursorField,
  PageNumberField,
  PageSizeField,
} from '../../common/pagination/page-query.dto';
import {
  FILTER_LIMITS,
  FILTER_OPERATORS,
  SEARCH_FIELD_NAMES,
  SORT_DIRECTIONS,
  type FilterOperator,
  type SearchField,
  type SortDirection,
} from '../search-fields';

/*
 * The classes below document the filter language in the OpenAPI document (so generated SDKs get
 * the field and operator enums as types). Their validation is FilterCompiler's: the language is
 * recursive and its rules depend on the field's type, which decorators cannot express.
 */

const SCALAR = {
  oneOf: [{ type: 'string', maxLength: FILTER_LIMITS.maxTextLength }, { type: 'number' }],
};

export class FilterConditionDto {
  @ApiProperty({ enum: SEARCH_FIELD_NAMES, enumName: 'SearchField', example: 'type' })
  field: SearchField;

  @ApiProperty({
    enum: FILTER_OPERATORS,
    enumName: 'FilterOperator',
    example: 'eq',
    description:
      'eq, neq, gt, gte, lt, lte, between ([low, high], inclusive), in/not_in (array of ≤ 100): every field. contains, not_contains, starts_with, ends_with: text fields, case-insensitive.',
  })
  operator: FilterOperator;

  @ApiProperty({
    description:
      "Of the field's type: integer for id/site_id/created_by, ISO 8601 date or date-time for the *_datetime/_at fields, string otherwise; an array for between/in/not_in.",
    oneOf: [
      SCALAR.oneOf[0],
      SCALAR.oneOf[1],
      { type: 'array', items: SCALAR, maxItems: FILTER_LIMITS.maxListItems },
    ],
    example: 'Meeting',
  })
  value: unknown;
}

// By name: the group classes refer to each other before all of them are defined.
const FILTER_ITEM_REFS = () => ({
  oneOf: [
    { $ref: getSchemaPath('FilterConditionDto') },
    { $ref: getSchemaPath('AnyFilterGroupDto') },
    { $ref: getSchemaPath('AllFilterGroupDto') },
    { $ref: getSchemaPath('NotFilterGroupDto') },
  ],
});

export class AnyFilterGroupDto {
  @ApiProperty({
    description: 'Matches when any item matches (OR)',
    type: 'array',
    items: FILTER_ITEM_REFS(),
    minItems: 1,
    maxItems: FILTER_LIMITS.maxConditions,
  })
  any: unknown[];
}

export class AllFilterGroupDto {
  @ApiProperty({
    description: 'Matches when every item matches (AND)',
    type: 'array',
    items: FILTER_ITEM_REFS(),
    minItems: 1,
    maxItems: FILTER_LIMITS.maxConditions,
  })
  all: unknown[];
}

export class NotFilterGroupDto {
  @ApiProperty({ description: 'Matches when the item does not (NOT)', ...FILTER_ITEM_REFS() })
  not: unknown;
}

export class SortKeyDto {
  @ApiProperty({ enum: SEARCH_FIELD_NAMES, enumName: 'SearchField', example: 'start_datetime' })
  field: SearchField;

  @ApiPropertyOptional({
    enum: SORT_DIRECTIONS,
    enumName: 'SortDirection',
    default: 'asc',
    example: 'asc',
  })
  direction?: SortDirection;
}

@ApiExtraModels(
  FilterConditionDto,
  AnyFilterGroupDto,
  AllFilterGroupDto,
  NotFilterGroupDto,
  SortKeyDto,
)
export class AdvancedSearchDto {
  @ApiPropertyOptional({
    description: `AND-ed conditions and groups; groups nest up to ${FILTER_LIMITS.maxDepth} levels, ${FILTER_LIMITS.maxConditions} conditions in all`,
    type: 'array',
    items: FILTER_ITEM_REFS(),
    maxItems: FILTER_LIMITS.maxConditions,
    example: [
      { field: 'type', operator: 'eq', value: 'Meeting' },
      { field: 'start_datetime', operator: 'gte', value: '2023-06-01T00:00:00Z' },
      { field: 'lead', operator: 'contains', value: 'Smith' },
    ],
  })
  @Allow()
  filters?: unknown;

  @ApiPropertyOptional({
    description:
      'One sort key or several; id is always the final tiebreaker. Default: start_datetime desc.',
    oneOf: [
      { $ref: getSchemaPath('SortKeyDto') },
      {
        type: 'array',
        items: { $ref: getSchemaPath('SortKeyDto') },
        maxItems: FILTER_LIMITS.maxSortKeys,
      },
    ],
    example: { field: 'start_datetime', direction: 'asc' },
  })
  @Allow()
  sort?: unknown;

  @PageNumberField({ fromQuery: false })
  page?: number;

  @PageSizeField('size', { fromQuery: false })
  size?: number;

  @PageSizeField('page_size', { fromQuery: false, description: 'Alias of size' })
  page_size?: number;

  @PageCursorField()
  cursor?: string;
}
