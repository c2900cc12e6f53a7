/**
 * The SQL the product sends for the benchmark's read scenarios, as TypeORM writes it (captured from
 * the running server: every column under an alias, the page query then `COUNT(1)` for the total).
 * When a service changes its queries, change them here too, or the baseline stops being the bare
 * cost of the same work.
 */

const COLUMNS = [
  'id',
  'site_id',
  'title',
  'type',
  'lead',
  'start_datetime',
  'end_datetime',
  'timezone',
  'location',
  'description',
  'notes',
  'created_by',
  'created_at',
  'updated_at',
  'version',
];

/** @param {string} alias */
const selectFrom = (alias) =>
  `SELECT ${COLUMNS.map((column) => `"${alias}"."${column}" AS "${alias}_${column}"`).join(', ')} FROM "interactions" "${alias}"`;

const LIST = selectFrom('interaction');
const COUNT = 'SELECT COUNT(1) AS "cnt" FROM "interactions" "interaction"';
const TEXT_MATCH = `("interaction"."title" ILIKE $2 OR "interaction"."type" ILIKE $2 OR "interaction"."lead" ILIKE $2 OR "interaction"."location" ILIKE $2 OR "interaction"."description" ILIKE $2 OR "interaction"."notes" ILIKE $2)`;
const NEWEST_FIRST = 'ORDER BY "interaction"."start_datetime" DESC, "interaction"."id" DESC';
const OLDEST_FIRST = 'ORDER BY "interaction"."start_datetime" ASC, "interaction"."id" ASC';

/** `GET /interactions` (InteractionsService.list): page and count, optionally text-matched. */
export function listInteractions(siteId, { offset, limit, search }) {
  const where =
    search === undefined
      ? 'WHERE "interaction"."site_id" = $1'
      : `WHERE "interaction"."site_id" = $1 AND ${TEXT_MATCH}`;
  const params = search === undefined ? [siteId] : [siteId, `%${escapeLike(search)}%`];
  return {
    page: {
      text: `${LIST} ${where} ${NEWEST_FIRST} LIMIT ${limit} OFFSET ${offset}`,
      values: params,
    },
    // Unfiltered, the product reads the trigger-maintained per-site counter instead of counting.
    count:
      search === undefined
        ? {
            text: 'SELECT "interactions" AS "cnt" FROM "site_interaction_counts" WHERE "site_id" = $1',
            values: params,
          }
        : { text: `${COUNT} ${where}`, values: params },
  };
}

/** `GET /interactions/{id}` (InteractionsService.get → findOne). */
export function getInteraction(siteId, id) {
  return {
    text: `${selectFrom('Interaction')} WHERE (("Interaction"."id" = $1) AND ("Interaction"."site_id" = $2)) LIMIT 1`,
    values: [String(id), siteId],
  };
}

/**
 * `POST /search/advanced` for the benchmark's body: `type eq`, `start_datetime gte`, `lead contains`,
 * sorted by start ascending (FilterCompiler output for that body).
 */
export function advancedSearch(siteId, { type, startFrom, leadContains, offset, limit }) {
  const where = `WHERE "interaction"."site_id" = $1 AND ("interaction"."type" = $2 AND "interaction"."start_datetime" >= $3 AND "interaction"."lead" ILIKE $4)`;
  const values = [siteId, type, startFrom, `%${escapeLike(leadContains)}%`];
  return {
    page: { text: `${LIST} ${where} ${OLDEST_FIRST} LIMIT ${limit} OFFSET ${offset}`, values },
    count: { text: `${COUNT} ${where}`, values },
  };
}

/** `GET /search/date-range` (SearchService.dateRange): overlapping [from, until). */
export function dateRange(siteId, { from, until, offset, limit }) {
  const where = `WHERE "interaction"."site_id" = $1 AND tstzrange("interaction"."start_datetime", "interaction"."end_datetime", '[]') && tstzrange($2, $3, '[)') AND ("interaction"."end_datetime" > $2 OR "interaction"."start_datetime" >= $2)`;
  const values = [siteId, from, until];
  return {
    page: { text: `${LIST} ${where} ${OLDEST_FIRST} LIMIT ${limit} OFFSET ${offset}`, values },
    count: { text: `${COUNT} ${where}`, values },
  };
}

/** `GET /search/upcoming` (SearchService.upcoming). */
export function upcoming(siteId, limit) {
  return {
    text: `${LIST} WHERE "interaction"."site_id" = $1 AND "interaction"."start_datetime" > now() ${OLDEST_FIRST} LIMIT ${limit}`,
    values: [siteId],
  };
}

/** @param {string} term */
function escapeLike(term) {
  return term.replace(/[\\%_]/g, (character) => `\\${character}`);
}
