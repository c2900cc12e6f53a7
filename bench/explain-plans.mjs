import process from 'node:process';
import pg from 'pg';

/**
 * Prints the PostgreSQL plan of every list/search query shape, on the database of DATABASE_URL
 * (seed it first: `npm run cli -- seed:bulk --count 1000000 --sites 20`). The SQL mirrors the
 * parts of what the services send (src/interactions/interaction-sql.ts): the page query and its
 * count, which the services send as one statement; each part keeps its plan there.
 *
 *   DATABASE_URL=postgres://… node bench/explain-plans.mjs
 */
/** @type {Array<[string, string]>} */
const QUERIES = [
  [
    'GET /interactions (page 1)',
    `SELECT * FROM interactions WHERE site_id = $1 ORDER BY start_datetime DESC, id DESC LIMIT 20`,
  ],
  ['GET /interactions (count)', `SELECT count(*) FROM interactions WHERE site_id = $1`],
  [
    'GET /search/interactions?query=acme (page 1)',
    `SELECT * FROM interactions WHERE site_id = $1 AND (title ILIKE '%acme%' OR type ILIKE '%acme%' OR lead ILIKE '%acme%'
       OR location ILIKE '%acme%' OR description ILIKE '%acme%' OR notes ILIKE '%acme%')
     ORDER BY start_datetime DESC, id DESC LIMIT 20`,
  ],
  [
    'GET /search/interactions?query=7c4a8d (rare term, count)',
    `SELECT count(*) FROM interactions WHERE site_id = $1 AND (title ILIKE '%7c4a8d%' OR type ILIKE '%7c4a8d%' OR lead ILIKE '%7c4a8d%'
       OR location ILIKE '%7c4a8d%' OR description ILIKE '%7c4a8d%' OR notes ILIKE '%7c4a8d%')`,
  ],
  [
    'GET /search/date-range (one week: the rows starting in it, and those running at its start)',
    `SELECT * FROM ((SELECT * FROM interactions WHERE site_id = $1
         AND start_datetime >= now() - interval '7 days' AND start_datetime < now()
         ORDER BY start_datetime ASC, id ASC LIMIT 20)
       UNION ALL (SELECT * FROM interactions WHERE site_id = $1
         AND tstzrange(start_datetime, end_datetime, '[]') @> now() - interval '7 days'
         AND start_datetime < now() - interval '7 days' AND end_datetime > now() - interval '7 days')) AS i
     ORDER BY start_datetime ASC, id ASC LIMIT 20`,
  ],
  [
    'GET /search/type/Call',
    `SELECT * FROM interactions WHERE site_id = $1 AND type = 'Call' ORDER BY start_datetime DESC, id DESC LIMIT 20`,
  ],
  [
    'GET /search/lead/chen',
    `SELECT * FROM interactions WHERE site_id = $1 AND lead ILIKE '%chen%' ORDER BY start_datetime DESC, id DESC LIMIT 20`,
  ],
  [
    'GET /search/upcoming',
    `SELECT * FROM interactions WHERE site_id = $1 AND start_datetime > now() ORDER BY start_datetime ASC, id ASC LIMIT 10`,
  ],
  [
    'GET /search/recent',
    `SELECT * FROM interactions WHERE site_id = $1 AND end_datetime <= now() ORDER BY end_datetime DESC, id DESC LIMIT 10`,
  ],
  [
    'POST /search/advanced (type eq + start gte + lead contains, sort start asc)',
    `SELECT * FROM interactions WHERE site_id = $1 AND (type = 'Meeting' AND start_datetime >= now() - interval '90 days'
       AND lead ILIKE '%smith%') ORDER BY start_datetime ASC, id ASC LIMIT 20`,
  ],
  ['GET /interactions/{id}', `SELECT * FROM interactions WHERE id = 123456 AND site_id = $1`],
];

async function main() {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  const [{ site_id: siteId }] = (
    await client.query('SELECT site_id FROM interactions WHERE id = 123456')
  ).rows;
  for (const [name, sql] of QUERIES) {
    const plan = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, [siteId]);
    process.stdout.write(
      `\n### ${name}\n\n\`\`\`\n${plan.rows.map((row) => row['QUERY PLAN']).join('\n')}\n\`\`\`\n`,
    );
  }
  await client.end();
}

void main();
