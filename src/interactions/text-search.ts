import { Brackets, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';

/** The columns free-text search looks in (DESIGN.md §7). */
export const TEXT_SEARCH_COLUMNS = [
  'title',
  'type',
  'lead',
  'location',
  'description',
  'notes',
] as const;

/** `%`, `_` and `\` in a search term are literal characters, not LIKE wildcards. */
export function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** Case-insensitive substring match of `term` in any text column; the term is a bound parameter. */
export function whereTextMatches<Entity extends ObjectLiteral>(
  builder: SelectQueryBuilder<Entity>,
  alias: string,
  term: string,
): SelectQueryBuilder<Entity> {
  return builder.andWhere(
    new Brackets((any) => {
      for (const column of TEXT_SEARCH_COLUMNS) {
        any.orWhere(`${alias}.${column} ILIKE :textSearchPattern`);
      }
    }),
    { textSearchPattern: `%${escapeLike(term)}%` },
  );
}
