import process from 'node:process';
import Fastify from 'fastify';
import pg from 'pg';
import {
  advancedSearch,
  dateRange,
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

/** @param {Date} date */
const isoSeconds = (date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** toInteractionDto over a row whose columns carry the `<alias>_` prefix. */
function toDto(row, alias) {
  const column = (name) => row[`${alias}_${name}`];
  return {
    id: Number(column('id')),
    site_id: column('site_id'),
    title: column('title'),
    type: column('type'),
    lead: column('lead'),
    start_datetime: isoSeconds(column('start_datetime')),
    end_datetime: isoSeconds(column('end_datetime')),
    timezone: column('timezone'),
    location: column('location'),
    description: column('description'),
    notes: column('notes'),
    created_by: column('created_by'),
    created_at: isoSeconds(column('created_at')),
    updated_at: isoSeconds(column('updated_at')),
  };
}

function pageOf(query) {
  const page = Number(query.page ?? 1);
  const pageSize = Number(query.page_size ?? query.size ?? DEFAULT_PAGE_SIZE);
  return { page, pageSize, offset: (page - 1) * pageSize, limit: pageSize };
}

/** One connection, page then count, as TypeORM's getManyAndCount does. */
async function pageAndCount({ page: pageQuery, count: countQuery }) {
  const client = await pool.connect();
  try {
    const rows = await client.query(pageQuery);
    const count = await client.query(countQuery);
    return { rows: rows.rows, total: Number(count.rows[0]?.cnt ?? 0) };
  } finally {
    client.release();
  }
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
  );
  return {
    interactions: rows.map((row) => toDto(row, 'interaction')),
    ...pageInfo(page, total),
  };
});

app.get('/api/v1/interactions/:id', async (request, reply) => {
  const { rows } = await pool.query(getInteraction(siteId, Number(request.params.id)));
  if (rows.length === 0) {
    return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'not found' } });
  }
  return { interaction: toDto(rows[0], 'Interaction') };
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
  );
  return { results: rows.map((row) => toDto(row, 'interaction')), ...pageInfo(page, total) };
});

app.get('/api/v1/search/date-range', async (request) => {
  const page = pageOf(request.query);
  const from = new Date(`${request.query.start_date}T00:00:00Z`);
  const until = new Date(`${request.query.end_date}T00:00:00Z`);
  until.setUTCDate(until.getUTCDate() + 1);
  const { rows, total } = await pageAndCount(
    dateRange(siteId, { from: from.toISOString(), until: until.toISOString(), ...page }),
  );
  return { results: rows.map((row) => toDto(row, 'interaction')), ...pageInfo(page, total) };
});

app.get('/api/v1/search/upcoming', async (request) => {
  const { rows } = await pool.query(upcoming(siteId, Number(request.query.limit ?? 10)));
  return { interactions: rows.map((row) => toDto(row, 'interaction')) };
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
