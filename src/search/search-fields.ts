/**
 * Every interaction field a filter or sort may name (a whitelist), with its type, its SQL column and
 * the entity property TypeORM knows it by.
 */
export const SEARCH_FIELDS = {
  id: { kind: 'integer', column: 'id', property: 'id', max: Number.MAX_SAFE_INTEGER },
  site_id: { kind: 'integer', column: 'site_id', property: 'siteId', max: 2_147_483_647 },
  created_by: { kind: 'integer', column: 'created_by', property: 'createdBy', max: 2_147_483_647 },
  title: { kind: 'text', column: 'title', property: 'title' },
  type: { kind: 'text', column: 'type', property: 'type' },
  lead: { kind: 'text', column: 'lead', property: 'lead' },
  timezone: { kind: 'text', column: 'timezone', property: 'timezone' },
  location: { kind: 'text', column: 'location', property: 'location' },
  description: { kind: 'text', column: 'description', property: 'description' },
  notes: { kind: 'text', column: 'notes', property: 'notes' },
  start_datetime: { kind: 'datetime', column: 'start_datetime', property: 'startDatetime' },
  end_datetime: { kind: 'datetime', column: 'end_datetime', property: 'endDatetime' },
  created_at: { kind: 'datetime', column: 'created_at', property: 'createdAt' },
  updated_at: { kind: 'datetime', column: 'updated_at', property: 'updatedAt' },
} as const;

export type SearchField = keyof typeof SEARCH_FIELDS;
export type FieldKind = (typeof SEARCH_FIELDS)[SearchField]['kind'];
export const SEARCH_FIELD_NAMES = Object.keys(SEARCH_FIELDS) as SearchField[];

export const COMPARISON_OPERATORS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte'] as const;
export const TEXT_OPERATORS = ['contains', 'not_contains', 'starts_with', 'ends_with'] as const;
export const FILTER_OPERATORS = [
  ...COMPARISON_OPERATORS,
  'between',
  ...TEXT_OPERATORS,
  'in',
  'not_in',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export const SORT_DIRECTIONS = ['asc', 'desc'] as const;
export type SortDirection = (typeof SORT_DIRECTIONS)[number];

/** DESIGN.md §7 limits on one advanced search. */
export const FILTER_LIMITS = {
  maxDepth: 4,
  maxConditions: 50,
  maxListItems: 100,
  maxTextLength: 500,
  maxSortKeys: 5,
};

export function operatorsFor(kind: FieldKind): readonly FilterOperator[] {
  return kind === 'text'
    ? FILTER_OPERATORS
    : FILTER_OPERATORS.filter((operator) => !isTextOperator(operator));
}

export function isTextOperator(
  operator: FilterOperator,
): operator is (typeof TEXT_OPERATORS)[number] {
  return (TEXT_OPERATORS as readonly string[]).includes(operator);
}
