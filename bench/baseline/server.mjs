import process from 'node:process';
import Fastify from 'fastify';
import pg from 'pg';
import {
  INSTANTS_AS_TEXT,
  toIsoSeconds,
  advancedSearch,
  dateRange,
  fromPageRows,
  getInteraction,
  listInteractions,
  upcoming,
} from './queries.mjs';

/**
 * The bare limit for the benchmark: plain Fastify + pg answering the read scenarios with the
 * product's SQL and JSON shape, without Nest, validation, auth, sessions, rate limits or logging.
 * The site is fixed by SITE_ID. Only the inputs the benchmark sends are understood.
 *
 *   DATABASE_URL=postgres://… SITE_ID=1 PORT=3100 node bench/baseline/server.mjs
 */
const siteId = Number(process.env.SITE_ID);
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DB_POOL_SIZE ?? 10),
});
const app = Fastify({ logger: false });

const DEFAULT_PAGE_SIZE = 20;

/** A statement as the product runs its reads: timestamps left as PostgreSQL's text. */
const query = (statement) => pool.query({ ...statement, types: INSTANTS_AS_TEXT });

/** toInteractionDto over a row (columns named as the entity's properties). */
function toDto(row) {
  return {
    id: Number(row.id),
    site_id: row.siteId,
    title: row.title,
    type: row.type,
    lead: row.lead,
    start_datetime: toIsoSeconds(row.startDatetime),
    end_datetime: toIsoSeconds(row.endDatetime),
    timezone: row.timezone,
    location: row.location,
    description: row.description,
    notes: row.notes,
    created_by: row.createdBy,
    created_at: toIsoSeconds(row.createdAt),
    updated_at: toIsoSeconds(row.updatedAt),
  };
}

function pageOf(query) {
  const page = Number(query.page ?? 1);
  const pageSize = Number(query.page_size ?? query.size ?? DEFAULT_PAGE_SIZE);
  // One row more than the page, as the product reads it to know whether a next page exists.
  return { page, pageSize, offset: (page - 1) * pageSize, limit: pageSize + 1 };
}

/** A page and its total: one statement, as the product sends it. */
async function pageAndCount(statement, page) {
  const { rows } = await query(statement);
  const read = fromPageRows(rows);
  return { ...read, rows: read.rows.slice(0, page.pageSize) };
}

const pageInfo = (page, total) => ({
  total,
  page: page.page,
  page_size: page.pageSize,
  total_pages: Math.ceil(total / page.pageSize),
});

app.get('/api/v1/interactions', async (request) => {
  const page = pageOf(request.query);
  const { rows, total } = await pageAndCount(
    listInteractions(siteId, { ...page, search: request.query.search }),
    page,
  );
  return {
    interactions: rows.map(toDto),
    ...pageInfo(page, total),
  };
});

app.get('/api/v1/interactions/:id', async (request, reply) => {
  const { rows } = await query(getInteraction(siteId, Number(request.params.id)));
  if (rows.length === 0) {
    return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'not found' } });
  }
  return { interaction: toDto(rows[0]) };
});

app.post('/api/v1/search/advanced', async (request) => {
  const body = request.body;
  const condition = (field) => body.filters.find((filter) => filter.field === field).value;
  const page = pageOf(body);
  const { rows, total } = await pageAndCount(
    advancedSearch(siteId, {
      type: condition('type'),
      startFrom: new Date(condition('start_datetime')).toISOString(),
      leadContains: condition('lead'),
      ...page,
    }),
    page,
  );
  return { results: rows.map(toDto), ...pageInfo(page, total) };
});

app.get('/api/v1/search/date-range', async (request) => {
  const page = pageOf(request.query);
  const from = new Date(`${request.query.start_date}T00:00:00Z`);
  const until = new Date(`${request.query.end_date}T00:00:00Z`);
  until.setUTCDate(until.getUTCDate() + 1);
  const { rows, total } = await pageAndCount(
    dateRange(siteId, { from: from.toISOString(), until: until.toISOString(), ...page }),
    page,
  );
  return { results: rows.map(toDto), ...pageInfo(page, total) };
});

app.get('/api/v1/search/upcoming', async (request) => {
  const { rows } = await query(upcoming(siteId, Number(request.query.limit ?? 10)));
  return { interactions: rows.map(toDto) };
});

app.get('/health/ready', async () => {
  await pool.query('SELECT 1');
  return { status: 'ok' };
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    void app
      .close()
      .then(() => pool.end())
      .then(() => process.exit(0));
  });
}

await app.listen({ port: Number(process.env.PORT ?? 3100), host: '127.0.0.1' });
