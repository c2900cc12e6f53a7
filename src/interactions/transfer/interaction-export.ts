import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify/sync';
import type { Principal } from '../../auth/access/principal';
import type { Statement, StatementCancellation } from '../../database/statement';
import { toInteractionDto, type InteractionDto } from '../dto/interaction.dto';
import { NEWEST_FIRST, ROW_ALIAS } from '../read/interaction-row';
import { InteractionReads } from '../read/interaction-reads';
import { keysetCondition, windowStatement } from '../read/page-sql';
import { containsPattern, textMatchCondition } from '../read/text-search';
import type { ExportFormat } from './dto/export-query.dto';

/** Rows per statement of an export. */
export const EXPORT_BATCH_ROWS = 1_000;

/** The CSV columns: the fields of an interaction as the API returns it, in that order. */
export const EXPORT_COLUMNS: ReadonlyArray<keyof InteractionDto> = [
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
];

export const EXPORT_MEDIA_TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson',
  csv: 'text/csv; charset=utf-8',
};

/**
 * One batch of an export: the site's rows (matching `search`, if given) newest first, after the
 * row whose (start_datetime, id) is `after`. The same keyset read as a cursor page, on the
 * (site_id, start_datetime, id) index, so the cost of a batch does not grow with its depth.
 */
export function exportBatchStatement(
  siteId: number,
  search: string | undefined,
  after: unknown[] | undefined,
): Statement {
  const values: unknown[] = [siteId];
  const conditions = [`"${ROW_ALIAS}"."site_id" = $1`];
  if (search !== undefined) {
    values.push(containsPattern(search));
    conditions.push(textMatchCondition(ROW_ALIAS, `$${values.length}`));
  }
  if (after !== undefined) {
    conditions.push(keysetCondition(NEWEST_FIRST, values.length + 1));
    values.push(...after);
  }
  return windowStatement({
    where: conditions.join(' AND '),
    values,
    orderBy: NEWEST_FIRST,
    limit: EXPORT_BATCH_ROWS,
    // Only the whole site's batches have one plan whatever the values; a search's depends on
    // how rare its term is (see Statement.name).
    name:
      search === undefined
        ? `interactions_export${after === undefined ? '' : '_after'}`
        : undefined,
  });
}

/**
 * `GET /interactions/export`: every interaction of the site (or every match of `search`) as a
 * stream, in the order of `GET /interactions`.
 *
 * A keyset loop of separate statements (EXPORT_BATCH_ROWS rows each), not a server-side cursor:
 * a cursor holds one of the pool's connections, and a snapshot that keeps VACUUM from cleaning
 * the table, for as long as the slowest client takes to download, and it cannot pass through
 * PgBouncer in transaction mode. Each batch here is an ordinary read (InteractionReads, so it may
 * be served by a replica) that gives its connection back at once. The price: the export is not
 * one snapshot. A row written while it runs is in it if it sorts after the rows already sent; a
 * row whose start_datetime is changed across the position reached may be missed or sent twice.
 *
 * Memory stays constant: the stream reads the next batch only when the response has taken the
 * previous one (Readable.from asks the generator for more only below its high-water mark), and a
 * client that goes away destroys the stream, which ends the generator; a batch running then is
 * cancelled in PostgreSQL (ClientGoneWatch).
 */
@Injectable()
export class InteractionExport {
  constructor(private readonly reads: InteractionReads) {}

  /**
   * The export as a byte stream. The first batch is read before the stream is returned, so that
   * a failure to read (503, 401) is still an error response rather than a cut-off 200.
   */
  async open(
    principal: Principal,
    options: { format: ExportFormat; search?: string },
    clientGone: StatementCancellation,
  ): Promise<Readable> {
    const batchAfter = (after: unknown[] | undefined) =>
      this.reads.window(
        principal,
        (siteId) => exportBatchStatement(siteId, options.search, after),
        clientGone,
      );
    const first = await batchAfter(undefined);
    const encode = options.format === 'csv' ? csvRows : ndjsonLines;
    async function* chunks(): AsyncGenerator<string> {
      if (options.format === 'csv') {
        yield stringify([EXPORT_COLUMNS]);
      }
      let rows = first;
      while (rows.length > 0) {
        yield encode(rows.map(toInteractionDto));
        if (rows.length < EXPORT_BATCH_ROWS) {
          return;
        }
        const last = rows[rows.length - 1];
        rows = await batchAfter(NEWEST_FIRST.map((key) => last[key.property]));
      }
    }
    // Bytes, not objects: the high-water mark then counts bytes, so at most one batch waits here.
    return Readable.from(chunks(), { objectMode: false, highWaterMark: 64 * 1024 });
  }
}

function ndjsonLines(interactions: InteractionDto[]): string {
  return interactions.map((interaction) => `${JSON.stringify(interaction)}\n`).join('');
}

function csvRows(interactions: InteractionDto[]): string {
  return stringify(interactions, { columns: EXPORT_COLUMNS as string[] });
}
