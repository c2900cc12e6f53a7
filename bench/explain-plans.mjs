import { createRequire } from 'node:module';
import process from 'node:process';
import pg from 'pg';
import { largestSiteId } from './server.mjs';

/**
 * Prints PostgreSQL's plan (EXPLAIN ANALYZE, BUFFERS) of the hot reads on the database of
 * DATABASE_URL, for the site that holds the most interactions. The statements come from the
 * product's own builders (`npm run build` first), as the reads send them: page and bounded count
 * in one statement, counted up to TOTAL_LIMIT (default 10,000). Seed the benchmark's dataset
 * first (`npm run bench` does; docs/performance.md shows the output).
 *
 *   DATABASE_URL=postgres://… node bench/explain-plans.mjs [--summary]
 *
 * --summary prints each plan's top nodes, execution time and buffers only.
 */
const require = createRequire(import.meta.url);
const sql = require('../dist/src/interactions/read/interaction-sql.js');
const { pageStatement } = require('../dist/src/interactions/read/page-sql.js');
const { NEWEST_FIRST } = require('../dist/src/interactions/read/interaction-row.js');

const COUNT_LIMIT = Number(process.env.TOTAL_LIMIT ?? 10_000);
const PAGE = { limit: 21, offset: 0 };
const counted = (spec) => pageStatement({ ...spec, countLimit: COUNT_LIMIT });

/** @param {number} siteId @param {{ id: number, after: unknown[] }} sample */
function statements(siteId, sample) {
  const month = ['2025-06-01', '2025-07-01'];
  return [
    ['GET /interactions (page 1)', sql.listStatement(siteId, PAGE)],
    [
      'GET /interactions?cursor= (10,000 rows in)',
      sql.listStatement(siteId, { ...PAGE, after: sample.after }),
    ],
    ['GET /interactions/{id}', sql.interactionStatement(siteId, sample.id)],
    ...['acme', 'globe', 'qzxw'].map((term) => [
      `GET /search/interactions?query=${term}`,
      counted(sql.textSearchPage(siteId, { ...PAGE, search: term })),
    ]),
    [
      'GET /search/date-range (a month)',
      counted(sql.dateRangePage(siteId, { ...PAGE, from: month[0], until: month[1] })),
    ],
    [
      'GET /search/type/Call',
      counted(
        sql.pageInSite(siteId, {
          where: '"i"."type" = $2',
          values: ['Call'],
          orderBy: NEWEST_FIRST,
          ...PAGE,
        }),
      ),
    ],
    [
      'POST /search/advanced (type eq, start_datetime gte, lead contains; start ascending)',
      counted(
        sql.pageInSite(siteId, {
          where: '("i"."type" = $2 AND "i"."start_datetime" >= $3 AND "i"."lead" ILIKE $4)',
          values: ['Meeting', `${month[0]}T00:00:00Z`, '%smith%'],
          orderBy: [
            { column: 'start_datetime', property: 'startDatetime', direction: 'ASC' },
            { column: 'id', property: 'id', direction: 'ASC' },
          ],
          ...PAGE,
        }),
      ),
    ],
    ['GET /search/upcoming', sql.upcomingStatement(siteId, 10)],
  ];
}

async function main() {
  const summary = process.argv.includes('--summary');
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  const siteId = await largestSiteId(client);
  const [deep] = (
    await client.query(
      `SELECT id, start_datetime::text AS start FROM interactions WHERE site_id = $1
        ORDER BY start_datetime DESC, id DESC OFFSET 10000 LIMIT 1`,
      [siteId],
    )
  ).rows;
  const sample = { id: deep.id, after: [deep.start, String(deep.id)] };
  for (const [name, statement] of statements(siteId, sample)) {
    const plan = await client.query(
      `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${statement.text}`,
      statement.values,
    );
    const lines = plan.rows.map((row) => row['QUERY PLAN']);
    const shown = summary ? lines.filter(isSummaryLine) : lines;
    process.stdout.write(`\n### ${name}\n\n\`\`\`\n${shown.join('\n')}\n\`\`\`\n`);
  }
  await client.end();
}

/** Plan nodes (without their conditions), buffers of the whole statement, and the timings. */
function isSummaryLine(line) {
  return (
    /->|^\S/.test(line) || /^\s*(Execution|Planning) Time/.test(line) || /^\s{2}Buffers/.test(line)
  );
}

void main();
