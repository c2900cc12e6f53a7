/** The columns free-text search looks in (DESIGN.md §7). */
export const TEXT_SEARCH_COLUMNS = [
  'title',
  'type',
  'lead',
  'location',
  'description',
  'notes',
] as const;

/**
 * The shortest free-text term: pg_trgm takes no trigram from a pattern of one or two characters
 * (`%ab%`), so such a search could use no index and would read every row of the site: at 350,000
 * rows, hundreds of milliseconds for a rare pair. Shorter terms are 400 (decisions.md).
 */
export const MIN_SEARCH_TERM_LENGTH = 3;
export const MAX_SEARCH_TERM_LENGTH = 200;

/** `%`, `_` and `\` in a search term are literal characters, not LIKE wildcards. */
export function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** The ILIKE pattern of a case-insensitive substring search for `term`. */
export function containsPattern(term: string): string {
  return `%${escapeLike(term)}%`;
}

/**
 * Case-insensitive substring match in any text column of `"alias"`; `parameter` (e.g. `$2`) is
 * bound to `containsPattern(term)`, so the term never becomes SQL.
 */
export function textMatchCondition(alias: string, parameter: string): string {
  return `(${TEXT_SEARCH_COLUMNS.map((column) => `"${alias}"."${column}" ILIKE ${parameter}`).join(' OR ')})`;
}
