import { Injectable } from '@nestjs/common';
import { CsvError, parse } from 'csv-parse/sync';
import { DataSource } from 'typeorm';
import type { Principal } from '../../auth/access/principal';
import { appendAuditEvents, userActor, type RequestOrigin } from '../../audit/audit-event';
import { ApiError, type ErrorDetails } from '../../common/errors/api-error';
import { ErrorCode } from '../../common/errors/error-code';
import { AppValidationPipe } from '../../common/errors/validation.pipe';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../../common/http/json-body-parser';
import { runStatement } from '../../database/statement';
import { InteractionInputDto } from '../dto/interaction-input.dto';
import { InteractionFieldRules, type InteractionFields } from '../interaction-fields';
import type { InteractionRow } from '../read/interaction-row';
import { importStatement } from './import-sql';
import {
  IMPORT_MAX_ROWS,
  type ImportReportDto,
  type ImportRowResult,
} from './dto/import-report.dto';
import type { ImportMode } from './dto/import-query.dto';
import type { ImportPayload } from './import-body';

/** A row of the body: the object it holds, or why it could not be read. */
type BodyRow = { fields: unknown } | { unreadable: string };

/**
 * Imports one instance runs at once; more are 429. Each holds its body and its rows' objects
 * (some 40 MB for 10,000 rows) and a second of validation CPU, so a few at a time keep the
 * process within its memory target and its other requests served.
 */
const CONCURRENT_IMPORTS = 2;

/** Rows validated between two yields to the event loop. */
const ROWS_BETWEEN_YIELDS = 200;

/** The key of a row's errors that concerns the whole row (unparseable, not an object). */
const WHOLE_ROW = 'row';

/**
 * `POST /interactions/import`: every row validated exactly as a `POST /interactions` body, then
 * the valid ones (all of them, or none: `mode`) written in one transaction with one statement,
 * their `interaction.imported` audit events appended in the same transaction.
 */
@Injectable()
export class InteractionImport {
  /**
   * The global pipe itself, so a row passes exactly the checks a create body passes (a JSON
   * object; no NUL, lone surrogate or prototype key; class-validator with whitelist and
   * forbidNonWhitelisted), with the same messages.
   */
  private readonly pipe = new AppValidationPipe();
  /** Imports in progress on this instance. */
  private running = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly rules: InteractionFieldRules,
  ) {}

  async import(
    principal: Principal & { currentSiteId: number },
    payload: ImportPayload | undefined,
    mode: ImportMode,
    origin: RequestOrigin,
  ): Promise<ImportReportDto> {
    if (this.running >= CONCURRENT_IMPORTS) {
      throw new ApiError(
        ErrorCode.RATE_LIMITED,
        `${CONCURRENT_IMPORTS} imports are running on this instance; retry shortly`,
        undefined,
        { 'Retry-After': '5' },
      );
    }
    this.running += 1;
    try {
      return await this.importRows(principal, payload, mode, origin);
    } finally {
      this.running -= 1;
    }
  }

  private async importRows(
    principal: Principal & { currentSiteId: number },
    payload: ImportPayload | undefined,
    mode: ImportMode,
    origin: RequestOrigin,
  ): Promise<ImportReportDto> {
    const bodyRows = payload === undefined ? [] : parseRows(payload);
    const checked: Array<{ fields: InteractionFields } | { errors: ErrorDetails }> = [];
    for (const bodyRow of bodyRows) {
      checked.push(await this.check(bodyRow));
      // Validation never waits on I/O: 10,000 rows would hold the event loop for a second.
      if (checked.length % ROWS_BETWEEN_YIELDS === 0) {
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const failures = checked.flatMap((outcome, row) =>
      'errors' in outcome ? [{ row, errors: outcome.errors }] : [],
    );
    if (mode === 'all_or_nothing' && failures.length > 0) {
      throw new ApiError(
        ErrorCode.VALIDATION_ERROR,
        `${failures.length} of ${checked.length} rows failed validation; nothing was imported`,
        Object.fromEntries(
          failures.flatMap(({ row, errors }) =>
            Object.entries(errors).map(([field, message]) => [
              field === WHOLE_ROW ? `rows[${row}]` : `rows[${row}].${field}`,
              message,
            ]),
          ),
        ),
      );
    }
    const valid = checked.flatMap((outcome) => ('fields' in outcome ? [outcome.fields] : []));
    const ids = valid.length === 0 ? [] : await this.write(principal, valid, origin);
    let written = 0;
    const rows = checked.map((outcome, row): ImportRowResult =>
      'fields' in outcome
        ? { row, status: 'imported', id: ids[written++] }
        : { row, status: 'failed', errors: outcome.errors },
    );
    return { imported: ids.length, failed: failures.length, rows };
  }

  private async check(
    bodyRow: BodyRow,
  ): Promise<{ fields: InteractionFields } | { errors: ErrorDetails }> {
    if ('unreadable' in bodyRow) {
      return { errors: { [WHOLE_ROW]: bodyRow.unreadable } };
    }
    const { fields } = bodyRow;
    if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
      return { errors: { [WHOLE_ROW]: 'must be a JSON object' } };
    }
    try {
      const input = (await this.pipe.transform(fields, {
        type: 'body',
        metatype: InteractionInputDto,
        data: undefined,
      })) as InteractionInputDto;
      return { fields: this.rules.fromInput(input) };
    } catch (error) {
      if (error instanceof ApiError && error.code === ErrorCode.VALIDATION_ERROR) {
        return { errors: error.details ?? { [WHOLE_ROW]: error.message } };
      }
      throw error;
    }
  }

  /** The ids of the new rows, in the order of `rows`. */
  private async write(
    principal: Principal & { currentSiteId: number },
    rows: InteractionFields[],
    origin: RequestOrigin,
  ): Promise<number[]> {
    const siteId = principal.currentSiteId;
    return this.dataSource.transaction(async (manager) => {
      const inserted = await runStatement<Array<Pick<InteractionRow, 'id'>>>(
        manager,
        importStatement(siteId, principal.userId, rows),
      );
      // Ids come from the sequence in the order the rows are inserted, which is `ord`'s.
      const ids = inserted
        .map((row) => BigInt(row.id))
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      await appendAuditEvents(
        manager,
        ids.map((id) => ({
          action: 'interaction.imported' as const,
          actor: userActor(principal.userId),
          origin,
          siteId,
          target: { type: 'interaction' as const, id: String(id) },
          version: 1,
        })),
      );
      return ids.map(Number);
    });
  }
}

/** The rows of an NDJSON or CSV body, in order; more than IMPORT_MAX_ROWS is refused (413). */
export function parseRows(payload: ImportPayload): BodyRow[] {
  const rows = payload.mediaType === 'text/csv' ? csvRows(payload.text) : ndjsonRows(payload.text);
  if (rows.length > IMPORT_MAX_ROWS) {
    throw new ApiError(
      ErrorCode.PAYLOAD_TOO_LARGE,
      `An import holds at most ${IMPORT_MAX_ROWS.toLocaleString('en')} rows; split the file`,
    );
  }
  return rows;
}

/** One JSON object per line; blank lines are not rows. Reading stops one row past the limit. */
function ndjsonRows(text: string): BodyRow[] {
  const rows: BodyRow[] = [];
  let start = 0;
  while (start < text.length && rows.length <= IMPORT_MAX_ROWS) {
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end === -1 ? text.length : end);
    start = end === -1 ? text.length : end + 1;
    if (line.trim() === '') {
      continue;
    }
    rows.push(ndjsonRow(line));
  }
  return rows;
}

function ndjsonRow(line: string): BodyRow {
  let fields: unknown;
  try {
    fields = JSON.parse(line);
  } catch (error) {
    return { unreadable: `is not valid JSON (${(error as Error).message})` };
  }
  if (nestedDeeperThan(fields, MAX_JSON_DEPTH)) {
    return { unreadable: `is nested more than ${MAX_JSON_DEPTH} levels deep` };
  }
  return { fields };
}

/**
 * A header line naming the fields as in a create body (server-owned ones such as `id` are
 * accepted and ignored, so an export reads back), then one record per row. A record that cannot
 * be parsed, or has another number of fields than the header, is an error of its row. After a
 * record it cannot parse, csv-parse may take some following lines into it (a quote left open
 * takes the rest of the body): those are not rows.
 */
function csvRows(text: string): BodyRow[] {
  let header: string[] | undefined;
  let headerProblem: string | undefined;
  const rows: BodyRow[] = [];
  const onRecord = (record: string[]): null => {
    if (header === undefined) {
      header = record;
      headerProblem = checkHeader(record);
    } else if (record.length !== header.length) {
      rows.push({
        unreadable: `has ${record.length} fields; the header has ${header.length}`,
      });
    } else {
      const names = header;
      rows.push({ fields: Object.fromEntries(names.map((name, index) => [name, record[index]])) });
    }
    return null;
  };
  let skippedLine: number | undefined;
  const onSkip = (error: CsvError | undefined): undefined => {
    // csv-parse may report one bad record twice (an opening quote inside a field).
    if (error !== undefined && error.lines === skippedLine) {
      return undefined;
    }
    skippedLine = error?.lines as number | undefined;
    if (header === undefined) {
      headerProblem = `could not be parsed: ${error?.message ?? 'unknown error'}`;
      header = [];
    } else {
      rows.push({ unreadable: `could not be parsed as CSV: ${error?.message ?? 'unknown error'}` });
    }
    return undefined;
  };
  try {
    parse(text, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      // The header, the rows allowed and one more, which is enough to refuse the body.
      to: IMPORT_MAX_ROWS + 2,
      on_record: onRecord,
      on_skip: onSkip,
    });
  } catch (error) {
    if (!(error instanceof CsvError)) {
      throw error;
    }
    onSkip(error);
  }
  if (headerProblem !== undefined) {
    throw new ApiError(ErrorCode.VALIDATION_ERROR, 'The CSV header line is not valid', {
      header: headerProblem,
    });
  }
  return rows;
}

function checkHeader(names: string[]): string | undefined {
  if (names.some((name) => name.trim() === '')) {
    return 'names an empty column';
  }
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  return repeated === undefined ? undefined : `names the column ${repeated} twice`;
}
