import { Buffer } from 'node:buffer';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { parseArgs, TextDecoder } from 'node:util';
import pg from 'pg';
import {
  BENCH,
  cleanups,
  fixed,
  log,
  logIn,
  mb,
  productEnv,
  ROOT,
  runMain,
  sampleRss,
  setLogPrefix,
  startEmbeddedPostgres,
  startServer,
} from './server.mjs';

/**
 * Export and import (DESIGN.md §10) on the benchmark dataset: starts the production build on
 * `bench/.data-<rows>` (seeded by `npm run bench -- --rows <rows>`), exports the benchmarked site
 * in NDJSON and in CSV while sampling the server's VmRSS every 100 ms, then imports
 * `--import-rows` of the exported rows (NDJSON) in one request into the same site and deletes
 * them again, so the dataset stays reusable (their audit events stay: the trail is append-only).
 *
 *   npm run bench:transfer [-- --rows 1000000] [--import-rows 10000]
 */
const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    'import-rows': { type: 'string', default: '10000' },
  },
});
setLogPrefix('bench:transfer');

async function exportOnce(server, token, format, keepLines) {
  const rss = sampleRss(server.pid);
  const started = performance.now();
  const response = await globalThis.fetch(
    `${server.url}/api/v1/interactions/export?format=${format}`,
    { headers: { authorization: `Bearer ${token}` } },
  );
  if (response.status !== 200) {
    throw new Error(`export ${format}: ${response.status} ${await response.text()}`);
  }
  let firstByteMs;
  let bytes = 0;
  let newlines = 0;
  let kept = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    firstByteMs ??= performance.now() - started;
    bytes += chunk.length;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) {
      newlines += 1;
    }
    if (newlines <= keepLines) {
      kept += decoder.decode(chunk, { stream: true });
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const lines = kept.split('\n').slice(0, keepLines);
  return { format, seconds, firstByteMs, bytes, newlines, peakRss: rss.stop(), lines };
}

runMain(async () => {
  const rows = Number(args.rows);
  const importRows = Number(args['import-rows']);
  const dataDir = join(BENCH, `.data-${rows}`);
  if (!existsSync(join(dataDir, 'postgres'))) {
    throw new Error(`${dataDir} holds no database: seed it with npm run bench -- --rows ${rows}`);
  }
  const database = await startEmbeddedPostgres(dataDir, 0, log);
  cleanups.push(() => database.stop());
  const server = await startServer(
    'product',
    ['--max-old-space-size=1024', join(ROOT, 'dist/src/main.js')],
    productEnv(database.url, dataDir),
  );
  const { token, siteId } = await logIn(server.url);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  cleanups.push(() => client.end());
  const siteRows = Number(
    (await client.query('SELECT count(*) AS n FROM interactions WHERE site_id = $1', [siteId]))
      .rows[0].n,
  );
  log(`site ${siteId}: ${siteRows} interactions; idle RSS ${mb(server.idleRssBytes)} MB`);

  const exports = [];
  for (const format of ['ndjson', 'csv']) {
    const result = await exportOnce(server, token, format, format === 'ndjson' ? importRows : 0);
    const exportedRows = format === 'csv' ? result.newlines - 1 : result.newlines;
    log(
      `export ${format}: ${exportedRows} rows (${mb(result.bytes)} MB) in ${fixed(result.seconds, 2)} s, peak RSS ${mb(result.peakRss)} MB`,
    );
    exports.push({ ...result, exportedRows });
  }

  const body = `${exports[0].lines.join('\n')}\n`;
  const rss = sampleRss(server.pid);
  const started = performance.now();
  const response = await globalThis.fetch(`${server.url}/api/v1/interactions/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
    body,
  });
  const importSeconds = (performance.now() - started) / 1000;
  const importPeakRss = rss.stop();
  const report = await response.json();
  if (response.status !== 200) {
    throw new Error(`import: ${response.status} ${JSON.stringify(report).slice(0, 500)}`);
  }
  const ids = report.rows.map((row) => row.id);
  await client.query('DELETE FROM interactions WHERE id = ANY($1::bigint[])', [ids]);
  log(`import: ${report.imported} rows in ${fixed(importSeconds, 2)} s (deleted again)`);

  const perHundredThousand = (result) => (result.seconds * 100_000) / result.exportedRows;
  process.stdout.write(
    [
      `Export and import, site ${siteId} (${siteRows.toLocaleString('en')} of ${rows.toLocaleString('en')} rows); server idle RSS ${mb(server.idleRssBytes)} MB`,
      '',
      '| request | rows | body | time | per 100,000 rows | first byte | server peak RSS |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...exports.map(
        (result) =>
          `| export ${result.format} | ${result.exportedRows.toLocaleString('en')} | ${mb(result.bytes)} MB | ${fixed(result.seconds, 2)} s | ${fixed(perHundredThousand(result), 2)} s | ${fixed(result.firstByteMs, 0)} ms | ${mb(result.peakRss)} MB |`,
      ),
      `| import ndjson | ${report.imported.toLocaleString('en')} | ${mb(Buffer.byteLength(body))} MB | ${fixed(importSeconds, 2)} s | — | — | ${mb(importPeakRss)} MB |`,
      '',
    ].join('\n'),
  );
});
