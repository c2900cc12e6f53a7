import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { parseArgs } from 'node:util';
import pg from 'pg';

/**
 * What a free-text search's bounded count costs PostgreSQL, term by term, under each plan it could
 * take: the planner's own choice, then each of bitmap scan, page-order index walk and sequential
 * scan forced in turn. Terms are new ones as the benchmark's `search-new-terms` draws them (half
 * 3-8 letters of the bulk data's words, half random letters), on the largest site of
 * DATABASE_URL (`npm run build` first). Prints p50 / p90 / p99 per plan and the costliest terms.
 *
 *   DATABASE_URL=postgres://… node bench/count-plans.mjs [--terms 150] [--limit 10000]
 */
const { values: args } = parseArgs({
  options: {
    terms: { type: 'string', default: '150' },
    limit: { type: 'string', default: '10000' },
  },
});
const require = createRequire(import.meta.url);
const { bulkWords } = require('../dist/src/database/seeds/bulk.seed.js');
const { textSearchPage } = require('../dist/src/interactions/read/interaction-sql.js');
const { countQuery } = require('../dist/src/interactions/read/page-sql.js');

const PLANS = {
  planner: [],
  bitmap: ['enable_seqscan = off', 'enable_indexscan = off'],
  'index walk': ['enable_bitmapscan = off', 'enable_seqscan = off'],
  'seq scan': ['enable_bitmapscan = off', 'enable_indexscan = off'],
};

const words = bulkWords();
const any = (items) => items[Math.floor(Math.random() * items.length)];

function newTerm() {
  if (Math.random() < 0.5) {
    const word = any(words);
    const length = 3 + Math.floor(Math.random() * (Math.min(8, word.length) - 2));
    const start = Math.floor(Math.random() * (word.length - length + 1));
    return word.slice(start, start + length);
  }
  const length = 3 + Math.floor(Math.random() * 6);
  return Array.from({ length }, () =>
    String.fromCharCode(97 + Math.floor(Math.random() * 26)),
  ).join('');
}

async function main() {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  const [{ site_id: siteId }] = (
    await client.query(
      'SELECT site_id FROM interactions GROUP BY site_id ORDER BY count(*) DESC LIMIT 1',
    )
  ).rows;
  const results = [];
  for (let index = 0; index < Number(args.terms); index += 1) {
    const term = newTerm();
    const spec = textSearchPage(siteId, { limit: 21, offset: 0, search: term });
    const count = countQuery({ ...spec, countLimit: Number(args.limit) });
    const result = { term, ms: {} };
    for (const [plan, settings] of Object.entries(PLANS)) {
      await client.query('BEGIN');
      for (const setting of settings) {
        await client.query(`SET LOCAL ${setting}`);
      }
      const started = performance.now();
      const { rows } = await client.query(count, spec.values);
      result.ms[plan] = performance.now() - started;
      result.total = Number(rows[0].count);
      await client.query('COMMIT');
    }
    result.ms.best = Math.min(...Object.values(result.ms).slice(1));
    results.push(result);
  }
  await client.end();

  const quantiles = (plan) => {
    const sorted = results.map((result) => result.ms[plan]).sort((a, b) => a - b);
    return [0.5, 0.9, 0.99]
      .map((q) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))].toFixed(1))
      .join(' / ');
  };
  process.stdout.write(
    `count up to ${args.limit} on site ${siteId}, ${results.length} new terms: p50 / p90 / p99 ms\n`,
  );
  for (const plan of [...Object.keys(PLANS), 'best']) {
    process.stdout.write(`  ${plan.padEnd(11)} ${quantiles(plan)}\n`);
  }
  process.stdout.write('costliest terms (planner, bitmap, index walk, seq scan; total):\n');
  for (const result of results.sort((a, b) => b.ms.best - a.ms.best).slice(0, 8)) {
    const times = Object.keys(PLANS).map((plan) => result.ms[plan].toFixed(1).padStart(7));
    process.stdout.write(`  ${result.term.padEnd(9)}${times.join('')}  ${result.total}\n`);
  }
}

void main();
