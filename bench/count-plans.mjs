import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { newTerm } from './scenarios.mjs';
import { largestSiteId } from './server.mjs';

/**
 * What a free-text search's bounded count costs PostgreSQL, term by term, under each plan it could
 * take: the planner's own choice, then each of bitmap scan, page-order index walk and sequential
 * scan forced in turn. Terms are new ones as the benchmark's `search-new-terms` draws them
 * (newTerm), on the largest site of
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
const { bulkWords } = require('../dist/src/seeds/bulk.seed.js');
const { textSearchPage } = require('../dist/src/interactions/read/interaction-sql.js');
const { countQuery } = require('../dist/src/interactions/read/page-sql.js');

const PLANS = {
  planner: [],
  bitmap: ['enable_seqscan = off', 'enable_indexscan = off'],
  'index walk': ['enable_bitmapscan = off', 'enable_seqscan = off'],
  'seq scan': ['enable_bitmapscan = off', 'enable_indexscan = off'],
};

const words = bulkWords();

async function main() {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  const siteId = await largestSiteId(client);
  const results = [];
  for (let index = 0; index < Number(args.terms); index += 1) {
    const term = newTerm(words);
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
